"""Search: one box over the project's spans (keyword, semantic or hybrid), the trace list's
filters, hits with marked snippets that open the trace at the span; the index's lag shown."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tracehouse.http.auth import RuntimeDep
from tracehouse.records import LEVELS, OBSERVATION_TYPES
from tracehouse.search import service
from tracehouse.search.schemas import SearchRequest
from tracehouse.ui.session import ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/search", include_in_schema=False)
FIELDS = (
    "query", "mode", "type", "level", "user_id", "session_id", "environment", "model", "from",
    "to", "limit",
)  # fmt: skip
MODES = ("hybrid", "keyword", "semantic")


def _request(request: Request) -> tuple[dict[str, Any], SearchRequest | None, str | None]:
    """The form's values (blank ones ignored), parsed by the API's own request model."""
    query = request.query_params
    raw: dict[str, Any] = {k: query[k].strip() for k in FIELDS if query.get(k, "").strip()}
    raw["tags"] = [t.strip() for t in query.getlist("tags") if t.strip()]
    if not raw.get("query"):
        return raw, None, None
    try:
        return raw, SearchRequest.model_validate({"limit": 25, **raw}), None
    except ValidationError as exc:
        names = ", ".join(str(e["loc"][-1]) for e in exc.errors())
        return raw, None, f"Check these fields: {names}."


@router.get("", response_class=HTMLResponse)
async def search_page(
    request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id, "read")
    raw, parsed, error = _request(request)
    body = await service.search(rt, scope, parsed) if parsed else None
    return page(
        request,
        "search.html",
        nav="search",
        who=who,
        project=who.project(project_id),
        raw=raw,
        error=error,
        result=body,
        modes=MODES,
        types=("trace", *OBSERVATION_TYPES),
        levels=LEVELS,
    )
