"""Per-endpoint rate limits (seed 003), on top of the per-key limit every request has:
trace-runs and session-runs 50/min (dataset-runs too, like them), monitor triggers 10/min,
per caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from tracehouse.errors import RateLimited
from tracehouse.http.auth import ProjectScope, ProjectScopeDep, RuntimeDep

TRACE_RUNS_PER_MINUTE = 50
SESSION_RUNS_PER_MINUTE = 50
DATASET_RUNS_PER_MINUTE = 50
TRIGGERS_PER_MINUTE = 10


def endpoint_limit(name: str, per_minute: int) -> Callable[..., ProjectScope]:
    """A dependency: the project scope, after counting this call against `name`'s limit."""

    def limited(request: Request, scope: ProjectScopeDep, rt: RuntimeDep) -> ProjectScope:
        if not rt.settings.rate_limit_enabled:
            return scope
        key = f"{scope.principal.rate_key}:{name}"
        decision = rt.limiter.hit(key, per_minute, per_minute)
        request.state.rate_headers = decision.headers()
        if not decision.allowed:
            raise RateLimited(
                f"Rate limit of {per_minute} requests per minute for {name} exceeded; retry in "
                f"{decision.retry_after} s.",
                {"limit": per_minute, "retry_after": decision.retry_after},
                headers=decision.headers(),
            )
        return scope

    return limited


TraceRunsScope = Annotated[
    ProjectScope, Depends(endpoint_limit("trace-runs", TRACE_RUNS_PER_MINUTE))
]
SessionRunsScope = Annotated[
    ProjectScope, Depends(endpoint_limit("session-runs", SESSION_RUNS_PER_MINUTE))
]
DatasetRunsScope = Annotated[
    ProjectScope, Depends(endpoint_limit("dataset-runs", DATASET_RUNS_PER_MINUTE))
]
TriggerScope = Annotated[
    ProjectScope, Depends(endpoint_limit("monitor-trigger", TRIGGERS_PER_MINUTE))
]
