"""The playground page: a generation or a prompt version opened with its messages, model and
parameters; runs streamed from the playground service to the page's script (server-sent
events); the edited messages saved as a prompt version. Viewers see it but cannot run."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tracehouse.errors import InvalidRequest
from tracehouse.http.auth import RuntimeDep, ai_per_minute, count_call
from tracehouse.playground import drafts, service
from tracehouse.playground.routes import answer
from tracehouse.playground.schemas import RunIn, SaveIn
from tracehouse.playground.targets import credentials
from tracehouse.providers import service as providers
from tracehouse.ui.session import FormDep, ViewerDep, check_csrf
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/playground", include_in_schema=False)
EMPTY_DRAFT: dict[str, Any] = {
    "messages": [{"role": "system", "content": ""}, {"role": "user", "content": ""}],
    "model": None,
    "provider_kind": None,
    "params": {},
    "recorded_output": None,
    "source": {},
}


def href(project_id: str, **query: Any) -> str:
    """The playground's address, opening `observation=<id>` or `prompt=<name>&version=<n>`."""
    base = f"/ui/p/{quote(project_id, safe='')}/playground"
    pairs = [f"{k}={quote(str(v), safe='')}" for k, v in query.items() if v is not None]
    return base + ("?" + "&".join(pairs) if pairs else "")


def _draft(rt: RuntimeDep, who: ViewerDep, project_id: str, query: Any) -> dict[str, Any]:
    scope = who.scope(project_id, access="read")
    if query.get("observation"):
        return drafts.from_generation(rt, scope, query["observation"])
    version = query.get("version", "")
    if query.get("prompt") and version.isdigit():
        return drafts.from_prompt(rt, scope, query["prompt"], int(version))
    return EMPTY_DRAFT


def _default_credential(rows: list[Any], wanted: str | None) -> str | None:
    """The credential a draft starts on: the one it names, else one of the provider kind of
    the generation, else the first."""
    named = [r for r in rows if wanted and r["name"] == wanted]
    of_kind = [r for r in rows if wanted and r["kind"] == wanted]
    chosen = (named or of_kind or rows or [None])[0]
    return chosen["name"] if chosen else None


@router.get("", response_class=HTMLResponse)
def playground_page(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id)
    draft = _draft(rt, who, project_id, request.query_params)
    rows = credentials(rt, scope.project_rowid)
    state = {
        **draft,
        "credentials": [providers.render(r) for r in rows],
        "credential": _default_credential(rows, draft["provider_kind"]),
        "csrf": who.csrf,
        "runs_url": href(project_id) + "/runs",
    }
    return page(
        request,
        "playground.html",
        nav="prompts",
        who=who,
        project=who.project(project_id),
        draft=draft,
        credentials=rows,
        state=json.dumps(state, default=str),
        can_run=scope.access == "write",
    )


async def _run_body(request: Request) -> RunIn:
    try:
        return RunIn.model_validate_json(await request.body())
    except ValidationError as exc:
        names = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise InvalidRequest(f"The run was not started: check {names}.") from exc


@router.post("/runs")
async def run(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    """The page's Run: the API's run, authorised by the session and its CSRF token."""
    check_csrf(who.csrf, request.headers.get("x-csrf-token"))
    scope = who.scope(project_id)
    scope.require_write()
    count_call(rt, request, scope, "playground-run", ai_per_minute)
    return answer(await service.start(rt, scope, await _run_body(request)))


def _save_body(fields: dict[str, str]) -> SaveIn:
    try:
        return SaveIn.model_validate(
            {
                "name": fields.get("name", "").strip(),
                "messages": json.loads(fields.get("messages") or "[]"),
                "model": fields.get("model") or None,
                "provider": fields.get("provider") or None,
                "params": json.loads(fields.get("params") or "{}"),
                "labels": [x.strip() for x in fields.get("labels", "").split(",") if x.strip()],
                "commit_message": fields.get("commit_message", "").strip() or None,
            }
        )
    except (ValidationError, ValueError) as exc:
        raise InvalidRequest("The version was not saved: check the name and messages.") from exc


@router.post("/save")
def save(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    """The edited messages and parameters as the next version of a prompt; opens it."""
    created = service.save_version(rt, who.scope(project_id), _save_body(fields))
    target = f"/ui/p/{project_id}/prompts/{quote(created['name'])}?version={created['version']}"
    return RedirectResponse(target, status_code=303)
