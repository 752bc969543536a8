"""A deterministic root-cause analysis of a trace: its first failing observation, the error,
what surrounded it, and a fix suggested by the kind of error."""

from __future__ import annotations

import re
from typing import Any

#: (pattern of the error message, suggested fix), first match wins.
FIXES = (
    (
        r"rate.?limit|\b429\b|too many requests|quota",
        "Retry with exponential backoff and jitter, "
        "honour Retry-After, and limit concurrent calls to this provider.",
    ),
    (
        r"time.?out|timed out|deadline",
        "Raise this step's timeout or retry it with backoff; check "
        "the latency of the service it calls.",
    ),
    (
        r"\b401\b|\b403\b|unauthori[sz]ed|forbidden|api.?key|credential|permission",
        "Check the credentials and permissions this step uses (key, scopes, expiry).",
    ),
    (
        r"context.?length|context window|maximum.*tokens|too many tokens|too long",
        "Trim, chunk or summarise the input so it fits the model's context window.",
    ),
    (
        r"json|pars|schema|validat|decode",
        "Validate the model output (structured output or JSON "
        "mode) and repair or retry when it does not parse.",
    ),
    (
        r"connection|reset|refused|unreachable|dns|network|\b50[234]\b|unavailable",
        "Retry transient network and upstream errors; check the service's availability.",
    ),
    (r"not.?found|\b404\b|no such", "Check the identifiers, paths or names this step asks for."),
)


def _duration(o: Any) -> float | None:
    return None if o["end_time"] is None else (o["end_time"] - o["start_time"]) / 1000


def fix_for(message: str | None, step: str | None) -> tuple[str, bool]:
    for pattern, fix in FIXES:
        if message and re.search(pattern, message, re.I):
            return fix, True
    target = f"'{step}'" if step else "the failing step"
    return f"Inspect the input and error of {target} and handle this failure explicitly.", False


def analyse(trace: Any, observations: list[Any]) -> dict[str, Any]:
    """Root cause, failed step, contributing factors, suggested fix and a confidence (0-1)."""
    errors = [o for o in observations if o["level"] == "ERROR"]
    first = errors[0] if errors else None
    if first is not None:
        message = first["status_message"]
        step = f"{first['type']}: {first['name']}"
        cause = f"{first['type']} '{first['name']}' failed: {message or 'no error message'}"
    else:
        message = trace["status_message"]
        step = None
        cause = (
            f"The trace was reported as failed: {message or 'no error message'}"
            if trace["status"] == "error"
            else "The trace did not fail: no observation is at level ERROR."
        )
    fix, matched = fix_for(message, first["name"] if first is not None else None)
    confidence = 0.2
    if first is not None:
        confidence = 0.8 if matched else 0.6 if message else 0.4
    elif trace["status"] == "error" and message:
        confidence = 0.4
    return {
        "root_cause": cause,
        "failed_step": step,
        "failed_observation_id": first["id"] if first is not None else None,
        "error": message,
        "contributing_factors": factors(trace, observations, errors),
        "suggested_fix": fix,
        "confidence": confidence,
    }


def factors(trace: Any, observations: list[Any], errors: list[Any]) -> list[str]:
    out: list[str] = []
    if not errors:
        return out
    first = errors[0]
    again = [
        o
        for o in observations
        if o["id"] != first["id"]
        and o["name"] == first["name"]
        and o["parent_id"] == first["parent_id"]
        and o["start_time"] >= first["start_time"]
    ]
    if again:
        failed_again = sum(1 for o in again if o["level"] == "ERROR")
        out.append(
            f"The step was retried {len(again)} time(s); {failed_again} retry(s) failed too."
        )
    later = [o["name"] for o in errors[1:] if o["name"] != first["name"]]
    if later:
        out.append(f"{len(later)} later step(s) failed after it: {', '.join(sorted(set(later)))}.")
    warnings = [
        o["name"]
        for o in observations
        if o["level"] == "WARNING" and o["start_time"] <= first["start_time"]
    ]
    if warnings:
        out.append(f"Warnings before the failure: {', '.join(sorted(set(warnings)))}.")
    by_id = {o["id"]: o for o in observations}
    chain: list[str] = []
    parent = by_id.get(first["parent_id"])
    while parent is not None and len(chain) < 10:
        chain.append(f"{parent['type']} '{parent['name']}'")
        parent = by_id.get(parent["parent_id"])
    if chain:
        out.append(f"It ran inside {' > '.join(reversed(chain))}.")
    took, total = _duration(first), trace["latency_ms"]
    if took is not None and total and took > 0.5 * total:
        out.append(f"The failing step took {took:.0f} ms of the trace's {total:.0f} ms.")
    if first["model"]:
        out.append(f"Model: {first['model']}.")
    return out
