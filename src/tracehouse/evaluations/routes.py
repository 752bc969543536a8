"""`/api/v1/evaluations`: trace-runs, session-runs and dataset-runs (202), runs, monitors and
evaluations with criteria. Fixed paths are declared before `/{ref}`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from tracehouse.evaluations import monitors, runs, service
from tracehouse.evaluations.limits import (
    DatasetRunsScope,
    SessionRunsScope,
    TraceRunsScope,
    TriggerScope,
)
from tracehouse.evaluations.schemas import (
    DatasetRunIn,
    EvaluationIn,
    EvaluationRunIn,
    MonitorIn,
    MonitorPatch,
    SessionRunIn,
    TraceRunIn,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.crud import READ_ERRORS, WRITE_ERRORS
from tracehouse.http.pagination import PageQuery

router = APIRouter(prefix="/api/v1/evaluations", tags=["evaluations"])


@router.post("/trace-runs", status_code=202, responses=WRITE_ERRORS, summary="Evaluate traces")
def trace_runs(body: TraceRunIn, scope: TraceRunsScope, rt: RuntimeDep) -> dict[str, Any]:
    """Queues a run; poll `GET /evaluations/runs/{id}` for its status and results. 50/min."""
    return service.queue_run(
        rt, scope, "trace", body.trace_ids, body.evaluator_ids, body.evaluation_id
    )


@router.post("/session-runs", status_code=202, responses=WRITE_ERRORS, summary="Evaluate sessions")
def session_runs(body: SessionRunIn, scope: SessionRunsScope, rt: RuntimeDep) -> dict[str, Any]:
    """Queues a run over whole sessions (their traces in order). 50/min."""
    return service.queue_run(
        rt, scope, "session", body.session_ids, body.evaluator_ids, body.evaluation_id
    )


@router.post(
    "/dataset-runs", status_code=202, responses=WRITE_ERRORS, summary="Evaluate dataset runs"
)
def dataset_runs(body: DatasetRunIn, scope: DatasetRunsScope, rt: RuntimeDep) -> dict[str, Any]:
    """Queues a run over dataset runs: each item's trace, with the item's `expected_output`;
    results name the traces. 50/min."""
    return service.queue_run(
        rt, scope, "dataset_run", body.dataset_run_ids, body.evaluator_ids, body.evaluation_id
    )


@router.get("/runs", responses=READ_ERRORS, summary="List evaluation runs")
def list_runs(
    page: PageQuery,
    scope: ProjectScopeDep,
    rt: RuntimeDep,
    status: Annotated[
        Literal["queued", "running", "succeeded", "partial", "failed"] | None, Query()
    ] = None,
    monitor_id: str | None = None,
    evaluation_id: str | None = None,
) -> dict[str, Any]:
    return runs.list_runs(
        rt,
        scope,
        page,
        status=status,
        monitor_id=monitor_id,
        evaluation_id=evaluation_id,
    )


@router.get("/runs/{run_id}", responses=READ_ERRORS, summary="Get a run: status and results")
def get_run(run_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return runs.get_run(rt, scope, run_id)


@router.post("/monitors", status_code=201, responses=WRITE_ERRORS, summary="Create a monitor")
def create_monitor(body: MonitorIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """An online evaluator over traces arriving from now on (test-key traces are skipped)."""
    return monitors.create(rt, scope, body)


@router.get("/monitors", responses=READ_ERRORS, summary="List monitors")
def list_monitors(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return monitors.list_monitors(rt, scope)


@router.get("/monitors/{ref}", responses=READ_ERRORS, summary="Get a monitor")
def get_monitor(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return monitors.get(rt, scope, ref)


@router.patch("/monitors/{ref}", responses=WRITE_ERRORS, summary="Change a monitor")
def update_monitor(
    ref: str, body: MonitorPatch, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return monitors.update(rt, scope, ref, body)


@router.delete(
    "/monitors/{ref}", status_code=204, responses=WRITE_ERRORS, summary="Delete a monitor"
)
def delete_monitor(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    monitors.delete(rt, scope, ref)
    return Response(status_code=204)


@router.post(
    "/monitors/{ref}/trigger", status_code=202, responses=WRITE_ERRORS, summary="Trigger a monitor"
)
def trigger_monitor(ref: str, scope: TriggerScope, rt: RuntimeDep) -> dict[str, Any]:
    """One pass now, without the arrival delay; 202 with the queued run id (null when no new
    trace matched). 10/min."""
    scope.require_write()
    result = monitors.scan(
        rt, scope.project_rowid, monitors.require(rt, scope.project_rowid, ref)["id"], manual=True
    )
    rt.evaluation_wakeup.set()
    return result


@router.post("", status_code=201, responses=WRITE_ERRORS, summary="Create an evaluation")
def create(body: EvaluationIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.create(rt, scope, body)


@router.get("", responses=READ_ERRORS, summary="List evaluations")
def list_evaluations(page: PageQuery, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.list_evaluations(rt, scope, page)


@router.get("/{ref}", responses=READ_ERRORS, summary="Get an evaluation with its run history")
def get(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return service.get(rt, scope, ref)


@router.post("/{ref}/run", status_code=202, responses=WRITE_ERRORS, summary="Run an evaluation")
def run(ref: str, body: EvaluationRunIn, scope: TraceRunsScope, rt: RuntimeDep) -> dict[str, Any]:
    return service.run_evaluation(rt, scope, ref, body)


@router.delete("/{ref}", status_code=204, responses=WRITE_ERRORS, summary="Delete an evaluation")
def delete(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    service.delete(rt, scope, ref)
    return Response(status_code=204)
