"""The trace list's URL: its filters (parsed by the API's own model), the columns it shows in
order, and the canonical query that holds only what is set."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from pydantic import ValidationError
from starlette.datastructures import QueryParams

from tracehouse.saved_views.schemas import COLUMNS, DEFAULT_COLUMNS
from tracehouse.saved_views.service import trace_query
from tracehouse.traces.filters import TraceListParams

SINGLE = (
    "q", "name", "user_id", "session_id", "status", "environment", "release", "version",
    "model", "level", "min_latency", "max_latency", "min_tokens", "max_tokens", "min_cost",
    "max_cost", "from", "to", "sort", "order", "repository", "branch", "commit", "ci_run",
)  # fmt: skip
REPEATED = ("tags", "exclude_tags", "score", "metadata")
DEFAULTS = {"sort": "time", "order": "desc"}
#: Filters shown in the bar itself; any other one set opens the "More" popover.
IN_BAR = {"q", "name", "user_id", "session_id", "status", "model", "tags", "sort", "order"}
LABELS = {
    "time": "Time (UTC)", "name": "Name", "input": "Input", "output": "Output", "user": "User",
    "session": "Session", "release": "Release", "version": "Version",
    "environment": "Environment", "latency": "Latency", "tokens": "Tokens", "cost": "Cost",
    "status": "Status", "scores": "Scores", "tags": "Tags",
}  # fmt: skip


def raw_filters(query: QueryParams) -> dict[str, Any]:
    """The filters that are set: blanks and defaults left out, repeated ones as lists."""
    raw: dict[str, Any] = {}
    for key in SINGLE:
        value = query.get(key, "").strip()
        if value and value != DEFAULTS.get(key):
            raw[key] = value
    for key in REPEATED:
        values = [v.strip() for v in query.getlist(key) if v.strip()]
        if values:
            raw[key] = values
    return _built(query, raw)


def _built(query: QueryParams, raw: dict[str, Any]) -> dict[str, Any]:
    """The score and metadata filters the form builds from parts (name, op, value; key, value)."""
    name, value = query.get("score_name", "").strip(), query.get("score_value", "").strip()
    if name and value:
        raw.setdefault("score", []).append(f"{name}{query.get('score_op') or '='}{value}")
    key, wanted = query.get("meta_key", "").strip(), query.get("meta_value", "").strip()
    if key:
        raw.setdefault("metadata", []).append(f"{key}:{wanted}" if wanted else key)
    return raw


def parsed(raw: dict[str, Any]) -> tuple[TraceListParams, str | None]:
    """The API's filter model over `raw`, or no filter and a note naming the bad ones."""
    try:
        return TraceListParams.model_validate(raw), None
    except ValidationError as exc:
        names = ", ".join(str(e["loc"][0]) for e in exc.errors())
        return TraceListParams(), f"Ignored invalid filters: {names}."


def columns(query: QueryParams) -> list[str]:
    """The columns asked for (`cols`, comma-separated or repeated), in order; else the
    default ones."""
    wanted = [c.strip() for value in query.getlist("cols") for c in value.split(",")]
    chosen = list(dict.fromkeys(c for c in wanted if c in COLUMNS))
    return chosen or list(DEFAULT_COLUMNS)


def column_choices(shown: list[str]) -> list[tuple[str, str, bool]]:
    """(key, label, shown) for the column picker: the shown ones first, in their order."""
    rest = [c for c in COLUMNS if c not in shown]
    return [(c, LABELS[c], c in shown) for c in [*shown, *rest]]


def canonical(query: QueryParams) -> str:
    """The query holding only what is set (and the page cursor)."""
    text = trace_query(raw_filters(query), columns(query))
    cursor = query.get("cursor", "").strip()
    return "&".join(p for p in (text, urlencode({"cursor": cursor}) if cursor else "") if p)


def removable(query: QueryParams) -> list[tuple[str, str, str]]:
    """(kind, filter, the query without it) for each tag, score and metadata filter set."""
    items = parse_qsl(canonical(query))
    return [
        (key, value, urlencode(items[:i] + items[i + 1 :]))
        for i, (key, value) in enumerate(items)
        if key in REPEATED
    ]


def same(a: str, b: str) -> bool:
    """Two queries set the same filters and columns (in any order of parameters)."""
    return sorted(parse_qsl(a)) == sorted(parse_qsl(b))


def untidy(query: QueryParams) -> bool:
    """Whether the URL holds blanks, defaults or another spelling than the canonical one."""
    if query.get("_partial"):
        return False
    return sorted(parse_qsl(canonical(query))) != sorted(query.multi_items())
