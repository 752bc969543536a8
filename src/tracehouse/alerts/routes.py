"""`/api/v1/alerts`: channels (with a test send) and rules (with an evaluation on demand and
their history). Fixed paths are declared before `/{ref}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from tracehouse.alerts import evaluate, history, rules, targets
from tracehouse.alerts.schemas import ChannelIn, ChannelPatch, RuleIn, RulePatch
from tracehouse.http.auth import ProjectScope, ProjectScopeDep, RuntimeDep, endpoint_limit
from tracehouse.http.crud import READ_ERRORS, WRITE_ERRORS
from tracehouse.http.pagination import PageQuery

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])
#: Sending to a channel and evaluating on demand reach outside services or read a window.
SendScope = Annotated[ProjectScope, Depends(endpoint_limit("alert-send", 10))]


@router.post("/channels", status_code=201, responses=WRITE_ERRORS, summary="Create a channel")
def create_channel(body: ChannelIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    """A webhook's answer holds `signing_secret` once; it is never shown again."""
    return targets.create(rt, scope, body)


@router.get("/channels", responses=READ_ERRORS, summary="List channels")
def list_channels(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return targets.list_channels(rt, scope)


@router.get("/channels/{ref}", responses=READ_ERRORS, summary="Get a channel")
def get_channel(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return targets.get(rt, scope, ref)


@router.patch("/channels/{ref}", responses=WRITE_ERRORS, summary="Change a channel")
def update_channel(
    ref: str, body: ChannelPatch, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return targets.update(rt, scope, ref, body)


@router.delete(
    "/channels/{ref}", status_code=204, responses=WRITE_ERRORS, summary="Delete a channel"
)
def delete_channel(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    targets.delete(rt, scope, ref)
    return Response(status_code=204)


@router.post("/channels/{ref}/test", responses=WRITE_ERRORS, summary="Send a test notification")
async def test_channel(ref: str, scope: SendScope, rt: RuntimeDep) -> dict[str, Any]:
    """Sends a sample message now; answers what happened (`ok`, `attempts`, `error`). 10/min."""
    return await targets.send_test(rt, scope, ref)


@router.get("/history", responses=READ_ERRORS, summary="List state changes of every rule")
def project_history(page: PageQuery, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return history.page(rt, scope, page)


@router.post("/rules", status_code=201, responses=WRITE_ERRORS, summary="Create a rule")
def create_rule(body: RuleIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return rules.create(rt, scope, body)


@router.get("/rules", responses=READ_ERRORS, summary="List rules")
def list_rules(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return rules.list_rules(rt, scope)


@router.get("/rules/{ref}", responses=READ_ERRORS, summary="Get a rule")
def get_rule(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    return rules.get(rt, scope, ref)


@router.patch("/rules/{ref}", responses=WRITE_ERRORS, summary="Change a rule")
def update_rule(
    ref: str, body: RulePatch, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return rules.update(rt, scope, ref, body)


@router.delete("/rules/{ref}", status_code=204, responses=WRITE_ERRORS, summary="Delete a rule")
def delete_rule(ref: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    rules.delete(rt, scope, ref)
    return Response(status_code=204)


@router.post("/rules/{ref}/evaluate", responses=WRITE_ERRORS, summary="Evaluate a rule now")
async def evaluate_rule(ref: str, scope: SendScope, rt: RuntimeDep) -> dict[str, Any]:
    """Reads the metric now, records a state change and notifies as the schedule would. 10/min."""
    scope.require_write()
    row = rules.RESOURCE.require(rt, scope.project_rowid, ref)
    return await evaluate.evaluate(rt, row)


@router.get("/rules/{ref}/history", responses=READ_ERRORS, summary="List a rule's state changes")
def rule_history(
    ref: str, page: PageQuery, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    return history.page(rt, scope, page, rule_ref=ref)
