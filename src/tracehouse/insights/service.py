"""POST /insights/root-cause: the explanation of a failed trace, from the project's LLM provider
when one is configured, else (or when it fails) from the deterministic analysis."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import orjson

from tracehouse.errors import NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.insights import provider, rootcause
from tracehouse.runtime import Runtime
from tracehouse.traces import store as trace_store

log = logging.getLogger(__name__)
PROMPT_CHARS = 12_000
FIELDS = ("root_cause", "failed_step", "contributing_factors", "suggested_fix", "confidence")


def root_cause(rt: Runtime, scope: ProjectScope, trace_id: str) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        trace = trace_store.get_trace(conn, scope.project_rowid, trace_id)
        if trace is None:
            raise NotFound(f"No trace {trace_id!r}.")
        observations = trace_store.trace_observations(conn, scope.project_rowid, trace_id)
    analysis = rootcause.analyse(trace, observations)
    body: dict[str, Any] = {"trace_id": trace["id"], "trace_name": trace["name"]}
    llm = provider.configured(rt, scope.project_rowid)
    if llm is None:
        return {**body, "source": "rules", "analysis": analysis}
    base_url, model, key = llm
    try:
        answer = provider.complete(base_url, model, key, prompt(trace, observations, analysis))
    except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
        reason = _reason(exc)
        log.warning("root-cause LLM call failed for project %s: %s", scope.project_id, reason)
        return {**body, "source": "rules", "fallback_reason": reason, "analysis": analysis}
    fields = usable(answer)
    if not fields:
        reason = "LLM answer had none of the fields"
        return {**body, "source": "rules", "fallback_reason": reason, "analysis": analysis}
    merged = {**analysis, **fields}
    return {
        **body,
        "source": "llm",
        "model": model,
        "llm_fields": [k for k in FIELDS if k in fields],
        "analysis": merged,
    }


def _reason(exc: Exception) -> str:
    if isinstance(exc, provider.MalformedAnswer):
        return f"LLM provider failed: {exc}"
    reason = f"LLM provider failed: {type(exc).__name__}"
    if isinstance(exc, httpx.HTTPStatusError):
        reason += f" (HTTP {exc.response.status_code})"
    return reason


def usable(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer's fields of the expected types (a lone factor becomes a list, a confidence is
    clamped to 0-1); the others are left to the rules."""
    out: dict[str, Any] = {
        k: answer[k].strip()
        for k in ("root_cause", "failed_step", "suggested_fix")
        if isinstance(answer.get(k), str) and answer[k].strip()
    }
    factors = answer.get("contributing_factors")
    if isinstance(factors, str):
        factors = [factors]
    if isinstance(factors, list) and all(isinstance(f, str) for f in factors):
        out["contributing_factors"] = factors
    confidence = answer.get("confidence")
    if isinstance(confidence, int | float) and not isinstance(confidence, bool):
        out["confidence"] = min(max(float(confidence), 0.0), 1.0)
    return out


def prompt(trace: Any, observations: list[Any], analysis: dict[str, Any]) -> str:
    """The trace as the model sees it: its steps in order, with levels, timings and errors."""
    steps = [
        {
            "id": o["id"],
            "parent_id": o["parent_id"],
            "type": o["type"],
            "name": o["name"],
            "level": o["level"],
            "model": o["model"],
            "duration_ms": None
            if o["end_time"] is None
            else (o["end_time"] - o["start_time"]) / 1000,
            "status_message": o["status_message"],
            "input": (o["input"] or "")[:500],
            "output": (o["output"] or "")[:500],
        }
        for o in observations[:200]
    ]
    facts = {
        "trace": {
            "name": trace["name"],
            "status": trace["status"],
            "status_message": trace["status_message"],
            "latency_ms": trace["latency_ms"],
        },
        "steps": steps,
        "first_failing_step": analysis["failed_step"],
    }
    return orjson.dumps(facts).decode()[:PROMPT_CHARS]
