"""Map OTLP spans and log records onto canonical records.

`map_spans` does the generic part — ids, parent links, times, the root span filling its trace,
unmapped attributes kept — and `families.apply_span` everything a semantic-convention family
says (type, model, usage, messages, user, session, …). `map_logs` joins GenAI log records to
their span by (trace id, span id).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracehouse.conventions import content, families
from tracehouse.conventions.vcs import vcs_metadata
from tracehouse.otlp.spans import LogData, SpanData
from tracehouse.records import Batch, ObservationRecord, TraceRecord

#: Attributes that mark a span as the root of its trace even when it has a (remote) parent.
_AS_ROOT = "langfuse.internal.as_root"
_DROP = frozenset({"langfuse.internal.is_app_root", "logfire.json_schema", "logfire.span_type"})
_LOGFIRE_PENDING = "pending_span"
#: logfire's record of a finished OpenAI/Anthropic stream: a log beside the request's span.
_LOGFIRE_STREAMED = "streaming response from"


def map_spans(spans: Sequence[SpanData]) -> Batch:
    """One observation per span; one (partial) trace record per trace the spans touch."""
    batch = Batch()
    traces: dict[str, TraceRecord] = {}
    for span in spans:
        if span.attributes.get("logfire.span_type") == _LOGFIRE_PENDING:
            continue  # a placeholder; the real span follows
        obs, trace = map_span(span)
        batch.observations.append(obs)
        known = traces.get(trace.id)
        traces[trace.id] = trace if known is None else _merge_trace(known, trace)
    batch.traces.extend(traces.values())
    return batch


def map_span(span: SpanData) -> tuple[ObservationRecord, TraceRecord]:
    attrs = dict(span.attributes)
    is_root = span.parent_span_id is None or attrs.pop(_AS_ROOT, None) is True
    obs = ObservationRecord(
        id=span.span_id,
        trace_id=span.trace_id,
        parent_id=None if is_root else span.parent_span_id,
        name=span.name or None,
        start_time=span.start_time,
        end_time=span.end_time,
    )
    trace = TraceRecord(id=span.trace_id)
    if _logfire_stream_end(span):
        obs.streamed_response = True
        is_root = False  # never names nor times the trace: its request does
    families.apply_span(span, obs, trace, attrs)
    own_metadata = obs.metadata
    for key in _DROP:
        attrs.pop(key, None)
    obs.attributes = attrs or None
    _keep_origin(span, obs)
    if is_root:
        _fill_trace_from_root(span, obs, trace, own_metadata)
    elif obs.environment and trace.environment is None:
        trace.environment = obs.environment
    return obs, trace


def _logfire_stream_end(span: SpanData) -> bool:
    attrs = span.attributes
    template = attrs.get("logfire.msg_template")
    return (
        attrs.get("logfire.span_type") == "log"
        and isinstance(template, str)
        and template.startswith(_LOGFIRE_STREAMED)
    )


def _keep_origin(span: SpanData, obs: ObservationRecord) -> None:
    """Scope and resource go into metadata, so a reader can tell which library sent the span."""
    origin: dict[str, Any] = {}
    if span.scope_name:
        origin["scope"] = {"name": span.scope_name, "version": span.scope_version}
    if span.resource:
        origin["resource"] = span.resource
    if origin:
        obs.metadata = {**(obs.metadata or {}), **origin}


def _fill_trace_from_root(
    span: SpanData, obs: ObservationRecord, trace: TraceRecord, metadata: dict[str, Any] | None
) -> None:
    if trace.name is None:
        trace.default_name = obs.name
    if metadata:  # as Langfuse does: the root's metadata is the trace's, trace keys first
        own = {k: v for k, v in metadata.items() if k != "aggregated_usage"}
        trace.metadata = {**own, **(trace.metadata or {})} or None
    if trace.input is None:
        trace.input = obs.input
    if trace.output is None:
        trace.output = obs.output
    trace.start_time = span.start_time
    trace.end_time = span.end_time
    trace.environment = trace.environment or obs.environment
    trace.version = trace.version or obs.version or _text(span.resource.get("service.version"))
    vcs = vcs_metadata(span.resource, span.attributes)
    if vcs:
        trace.metadata = {**(trace.metadata or {}), **vcs}
    if obs.level == "ERROR":
        trace.status = "error"
        trace.status_message = obs.status_message


def _merge_trace(known: TraceRecord, new: TraceRecord) -> TraceRecord:
    """Two spans of one trace in one request: later values win, tags and metadata merge."""
    for name in TraceRecord.__slots__:
        value = getattr(new, name)
        if value is None:
            continue
        if name == "tags" and known.tags:
            value = list(dict.fromkeys([*known.tags, *value]))
        elif name == "metadata" and known.metadata:
            value = {**known.metadata, **value}
        setattr(known, name, value)
    return known


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def map_logs(logs: Sequence[LogData]) -> tuple[Batch, int]:
    """GenAI log records joined to their spans; returns the batch and how many were ignored
    (no trace or span id to join on)."""
    by_span: dict[tuple[str, str], list[LogData]] = {}
    ignored = 0
    for record in logs:
        if not record.trace_id or not record.span_id:
            ignored += 1
            continue
        by_span.setdefault((record.trace_id, record.span_id), []).append(record)
    batch = Batch()
    for (trace_id, span_id), records in by_span.items():
        obs = ObservationRecord(id=span_id, trace_id=trace_id)
        content.apply_logs(records, obs)
        if obs.input is not None or obs.output is not None:
            batch.observations.append(obs)
        else:
            ignored += len(records)
    return batch, ignored
