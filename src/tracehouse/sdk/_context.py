"""The current observation (a contextvar) and its mirror in the OpenTelemetry context.

When `opentelemetry` has been imported by the app, entering an observation also attaches a
`NonRecordingSpan` carrying our trace and span ids, so spans the app's OTel instrumentations
start inside it become its children; and an observation started inside an OTel span joins that
span's trace. Without `opentelemetry` loaded, none of this costs anything.
"""

from __future__ import annotations

import sys
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracehouse.sdk._observation import Observation

current: ContextVar[Observation | None] = ContextVar("tracehouse_observation", default=None)

# (opentelemetry.context, opentelemetry.trace, sampled flags) once the app imported
# opentelemetry.
_otel: Any = None


def _otel_modules() -> Any:
    global _otel
    if _otel is None and "opentelemetry.trace" in sys.modules:
        from opentelemetry import context, trace

        _otel = (context, trace, trace.TraceFlags(trace.TraceFlags.SAMPLED))
    return _otel


Entered = tuple[Token["Observation | None"], object]


def enter(observation: Observation) -> Entered:
    """Make `observation` current (ours and, if loaded, OpenTelemetry's). A trace our sampling
    left out is not mirrored: the app's spans keep the parent (and the sampling decision) they
    would have had without Tracehouse, instead of a parent no backend ever receives."""
    token = current.set(observation)
    if not observation.trace.sampled:
        return token, None
    otel = _otel if _otel is not None else _otel_modules()
    if otel is None:
        return token, None
    context, trace, sampled = otel
    try:
        span_context = trace.SpanContext(
            observation.trace.id_int, observation.id_int, is_remote=False, trace_flags=sampled
        )
        span = trace.NonRecordingSpan(span_context)
        return token, context.attach(trace.set_span_in_context(span))
    except Exception:  # an odd OpenTelemetry setup must not break the app
        return token, None


def leave(entered: Entered) -> None:
    """Undo `enter`. Left in another context (a `with` block split across asyncio tasks), the
    tokens do not apply there; that is ignored rather than raised into the app."""
    token, otel_token = entered
    if otel_token is not None:
        _otel[0].detach(otel_token)
    try:  # noqa: SIM105 (hot path: try is free, contextlib.suppress is not)
        current.reset(token)
    except ValueError:
        pass


def otel_parent() -> tuple[int, int, bool] | None:
    """The (trace id, span id, sampled) of the active OpenTelemetry span, if there is one."""
    otel = _otel if _otel is not None else _otel_modules()
    if otel is None:
        return None
    span_context = otel[1].get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return span_context.trace_id, span_context.span_id, bool(span_context.trace_flags.sampled)
