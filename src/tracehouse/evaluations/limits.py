"""Per-endpoint rate limits (seed 003), on top of the per-key limit every request has:
trace-runs and session-runs 50/min (dataset-runs too, like them), monitor triggers 10/min,
per caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from tracehouse.http.auth import ProjectScope, endpoint_limit

TRACE_RUNS_PER_MINUTE = 50
SESSION_RUNS_PER_MINUTE = 50
DATASET_RUNS_PER_MINUTE = 50
TRIGGERS_PER_MINUTE = 10


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
