"""Tools over a project's prompts, datasets, scores and analytics."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from tracehouse.analytics import service as analytics
from tracehouse.datasets import render as dataset_render
from tracehouse.datasets import service as datasets
from tracehouse.datasets.schemas import ItemIn, ItemQuery
from tracehouse.ingest.decoders.native import ScoreIn
from tracehouse.mcp_server import bounds
from tracehouse.mcp_server.endpoint import caller as caller_of
from tracehouse.mcp_server.traces import Cursor, Limit, Time
from tracehouse.prompts import render as prompt_render
from tracehouse.prompts import service as prompts
from tracehouse.prompts.schemas import CompileIn, Selector
from tracehouse.scores import service as scores
from tracehouse.traces.filters import TraceFilters

Label = Annotated[str | None, Field(description="Label; default `production`, else `latest`.")]
Version = Annotated[int | None, Field(ge=1, description="Version number (instead of a label).")]
#: Rows of each breakdown an analytics summary shows.
TOP = 10


def get_prompt(ctx: Context, name: str, label: Label = None, version: Version = None) -> Any:
    """A prompt version: its text or chat messages, config and labels."""
    rt, scope = caller_of(ctx)
    found = prompts.get_version(rt, scope, name, Selector(label=label, version=version))
    return bounds.clip(prompt_render.version(found))


def compile_prompt(
    ctx: Context,
    name: str,
    variables: Annotated[dict[str, Any] | None, Field(description="`{{name}}` values.")] = None,
    placeholders: Annotated[
        dict[str, list[dict[str, Any]]] | None,
        Field(description="Chat messages for each placeholder, by name."),
    ] = None,
    label: Label = None,
    version: Version = None,
) -> Any:
    """A prompt version with its variables and placeholders filled in."""
    rt, scope = caller_of(ctx)
    body = CompileIn(variables=variables or {}, placeholders=placeholders or {})
    selector = Selector(label=label, version=version)
    found, compiled = prompts.compile_prompt(rt, scope, name, selector, body)
    head = prompt_render.version(found)
    keep = ("name", "version", "type", "labels", "config")
    return bounds.clip({**{key: head[key] for key in keep}, "compiled": compiled})


def list_datasets(ctx: Context, limit: Limit = 20, cursor: Cursor = None) -> dict[str, Any]:
    """The project's datasets with their item counts."""
    rt, scope = caller_of(ctx)
    asked = bounds.page(cursor, limit)
    rows, total = datasets.list_datasets(rt, scope, asked.limit, asked.offset)
    return bounds.fit(rows, asked, total, lambda found: dataset_render.dataset(*found))


def list_dataset_items(
    ctx: Context, dataset: str, limit: Limit = 20, cursor: Cursor = None
) -> dict[str, Any]:
    """The active items of a dataset, oldest first."""
    rt, scope = caller_of(ctx)
    asked = bounds.page(cursor, limit)
    query = ItemQuery(limit=asked.limit, offset=asked.offset)
    found = datasets.list_items(rt, scope, dataset, query)
    return bounds.fit(found.items, asked, found.total, dataset_render.item)


def add_dataset_item(
    ctx: Context,
    dataset: str,
    input: Any,
    expected_output: Any = None,
    metadata: Any = None,
    source_trace_id: str | None = None,
    source_observation_id: str | None = None,
) -> Any:
    """Add an item to a dataset (write access)."""
    rt, scope = caller_of(ctx)
    item = ItemIn(
        input=input,
        expected_output=expected_output,
        metadata=metadata,
        source_trace_id=source_trace_id,
        source_observation_id=source_observation_id,
    )
    (added,) = datasets.upsert_items(rt, scope, dataset, [item])
    return bounds.clip(dataset_render.item(added))


async def create_score(
    ctx: Context,
    name: str,
    value: float | str | bool,
    trace_id: str | None = None,
    observation_id: str | None = None,
    session_id: str | None = None,
    comment: str | None = None,
    data_type: Annotated[
        str | None, Field(description="NUMERIC, CATEGORICAL or BOOLEAN (inferred if omitted).")
    ] = None,
) -> dict[str, Any]:
    """Score a trace, a span or a session (write access)."""
    rt, scope = caller_of(ctx)
    scope.require_write()
    score = ScoreIn.model_validate(
        {
            "name": name,
            "value": value,
            "trace_id": trace_id,
            "observation_id": observation_id,
            "session_id": session_id,
            "comment": comment,
            "data_type": data_type,
        }
    )
    (score_id,) = await scores.create_scores(rt, scope, [score])
    return {"id": score_id}


def analytics_summary(
    ctx: Context, from_time: Time = None, to_time: Time = None, name: str | None = None
) -> dict[str, Any]:
    """Totals for a time range (default: the last 7 days): traces, errors, latency percentiles,
    tokens, cost; the top models, trace names and statuses; the latest failures."""
    rt, scope = caller_of(ctx)
    filters = TraceFilters.model_validate({"from": from_time, "to": to_time, "name": name})
    body = analytics.analytics(rt, scope, filters)
    keep = ("from", "to", "summary", "slow_threshold", "freshness")
    top = ("status_breakdown", "model_breakdown", "name_breakdown", "user_breakdown")
    summary = {key: body[key] for key in keep}
    summary.update({key: (body[key] or [])[:TOP] for key in top})
    summary["recent_failures"] = body["recent_failures"][:5]
    bounded: dict[str, Any] = bounds.clip(summary, 300)
    return bounded
