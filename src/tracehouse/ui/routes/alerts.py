"""Alerts: the rules with their state, the channels (add, test, delete), the recent history;
one rule's page with its history, its settings and an evaluation on demand."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tracehouse.alerts import evaluate, history, rules, targets
from tracehouse.alerts.schemas import AlertFilter, ChannelIn, RuleIn, RulePatch
from tracehouse.errors import InvalidRequest
from tracehouse.http.auth import RuntimeDep
from tracehouse.http.pagination import PageParams
from tracehouse.ui.evaluator_form import problems
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}/alerts", include_in_schema=False)
FILTERS = tuple(AlertFilter.model_fields)
NUMBERS = ("warning", "critical")


def _base(project_id: str) -> str:
    return f"/ui/p/{project_id}/alerts"


def _rule_values(fields: dict[str, str]) -> dict[str, Any]:
    """The rule's fields from the form; blank ones left out (the API's defaults apply)."""
    given = {k: fields.get(f"f.{k}", "").strip() for k in FILTERS}
    trace_filter: dict[str, Any] = {k: v for k, v in given.items() if k != "tags" and v}
    if tags := [t.strip() for t in given["tags"].split(",") if t.strip()]:
        trace_filter["tags"] = tags
    plain = ("metric", "score_name", "category", "severity", "comparison", "mode", "no_data")
    values: dict[str, Any] = {k: fields[k] for k in plain if fields.get(k, "").strip()}
    values.update({k: fields[k] for k in NUMBERS if fields.get(k, "").strip()})
    minutes = fields.get("window_minutes", "").strip()
    if minutes:
        values["window_seconds"] = int(float(minutes) * 60) if _number(minutes) else -1
    cooldown = fields.get("cooldown_minutes", "").strip()
    if cooldown:
        values["cooldown_seconds"] = int(float(cooldown) * 60) if _number(cooldown) else -1
    values["filter"] = trace_filter
    values["channel_ids"] = [k.removeprefix("channel.") for k in fields if k.startswith("channel.")]
    values["enabled"] = fields.get("enabled") == "on"
    return values


def _number(text: str) -> bool:
    return text.replace(".", "", 1).isdigit()


@router.get("", response_class=HTMLResponse)
def alert_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    scope = who.scope(project_id)
    return page(
        request,
        "alerts.html",
        nav="alerts",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access != "read",
        rules=rules.list_rules(rt, scope)["data"],
        channels=targets.list_channels(rt, scope)["data"],
        events=history.page(rt, scope, PageParams(limit=20))["data"],
        filters=FILTERS,
        notice=request.query_params,
    )


@router.post("/rules")
def create_rule(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    try:
        body = RuleIn.model_validate({"name": fields.get("name", ""), **_rule_values(fields)})
    except ValidationError as exc:
        raise InvalidRequest(f"Alert rule not created: {problems(exc)}.") from exc
    created = rules.create(rt, who.scope(project_id), body)
    return RedirectResponse(f"{_base(project_id)}/rules/{quote(created['id'])}", status_code=303)


@router.post("/channels")
def create_channel(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    recipients = [r.strip() for r in fields.get("recipients", "").split(",") if r.strip()]
    raw = {k: fields[k].strip() for k in ("name", "kind", "url", "routing_key") if fields.get(k)}
    try:
        body = ChannelIn.model_validate({**raw, "recipients": recipients})
    except ValidationError as exc:
        raise InvalidRequest(f"Channel not created: {problems(exc)}.") from exc
    created = targets.create(rt, who.scope(project_id), body)
    secret = created.get("signing_secret")
    query = f"?created={quote(created['name'])}" + (f"&secret={quote(secret)}" if secret else "")
    return RedirectResponse(f"{_base(project_id)}{query}#channels", status_code=303)


@router.post("/channels/{ref}/test")
async def test_channel(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    result = await targets.send_test(rt, who.scope(project_id), ref)
    outcome = "sent" if result["ok"] else f"failed: {result['error']}"
    query = f"?tested={quote(result['channel'])}&outcome={quote(outcome)}"
    return RedirectResponse(f"{_base(project_id)}{query}#channels", status_code=303)


@router.post("/channels/{ref}/delete")
def delete_channel(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    targets.delete(rt, who.scope(project_id), ref)
    return RedirectResponse(f"{_base(project_id)}#channels", status_code=303)


@router.get("/rules/{ref}", response_class=HTMLResponse)
def rule_page(
    request: Request, project_id: str, ref: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    rule = rules.get(rt, scope, ref)
    return page(
        request,
        "alert_rule.html",
        nav="alerts",
        who=who,
        project=who.project(project_id),
        can_edit=scope.access != "read",
        rule=rule,
        channels=targets.list_channels(rt, scope)["data"],
        events=history.page(rt, scope, PageParams(limit=50), rule_ref=rule["id"])["data"],
        filters=FILTERS,
        notice=request.query_params,
    )


@router.post("/rules/{ref}")
def change_rule(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    try:
        body = RulePatch.model_validate(_rule_values(fields))
    except ValidationError as exc:
        raise InvalidRequest(f"Alert rule not changed: {problems(exc)}.") from exc
    rules.update(rt, who.scope(project_id), ref, body)
    return RedirectResponse(f"{_base(project_id)}/rules/{quote(ref)}", status_code=303)


@router.post("/rules/{ref}/evaluate")
async def evaluate_rule(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    scope = who.scope(project_id)
    scope.require_write()
    result = await evaluate.evaluate(rt, rules.RESOURCE.require(rt, scope.project_rowid, ref))
    query = f"?evaluated={quote(result['state'])}"
    return RedirectResponse(f"{_base(project_id)}/rules/{quote(ref)}{query}", status_code=303)


@router.post("/rules/{ref}/delete")
def delete_rule(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    rules.delete(rt, who.scope(project_id), ref)
    return RedirectResponse(_base(project_id), status_code=303)
