"""Alert rules: create, change, delete, list; each checked as a whole (a score metric names its
score, thresholds are ordered, channels exist in the project)."""

from __future__ import annotations

from typing import Any

from tracehouse import jsontext
from tracehouse.alerts import store
from tracehouse.alerts.schemas import AlertFilter, RuleIn, RulePatch
from tracehouse.clock import iso, now_us
from tracehouse.errors import ValidationFailed
from tracehouse.http.auth import ProjectScope
from tracehouse.http.crud import Resource
from tracehouse.ids import new_id
from tracehouse.runtime import Runtime

JSON_FIELDS = ("filter", "channel_ids")
SHOWN = [
    "id",
    "name",
    "description",
    "enabled",
    "metric",
    "score_name",
    "category",
    "severity",
    "window_seconds",
    "comparison",
    "mode",
    "warning",
    "critical",
    "no_data",
    "cooldown_seconds",
    "state",
    "last_value",
]


def render(row: Any) -> dict[str, Any]:
    view = {k: row[k] for k in SHOWN}
    view.update({k: jsontext.loads(row[k]) for k in JSON_FIELDS})
    for k in ("state_since", "last_evaluated_at", "last_notified_at", "created_at", "updated_at"):
        view[k] = iso(row[k]) if row[k] is not None else None
    return view


RESOURCE = Resource("alert rule", store.RULES, render)


def check(rt: Runtime, project_rowid: int, rule: dict[str, Any]) -> None:
    """422 unless the rule as a whole makes sense."""
    metric = rule["metric"]
    if metric.startswith("score_") and not rule.get("score_name"):
        raise ValidationFailed(f"A {metric} rule needs `score_name`.")
    if metric == "score_share" and not rule.get("category"):
        raise ValidationFailed(
            "A score_share rule needs `category` (the value whose share counts)."
        )
    if metric == "anomalies" and not rule.get("severity"):
        raise ValidationFailed("An anomalies rule needs `severity` (the least that counts).")
    warning, critical = rule.get("warning"), rule.get("critical")
    if warning is None and critical is None:
        raise ValidationFailed("Give a `warning` or a `critical` threshold (or both).")
    if warning is not None and critical is not None:
        above = rule.get("comparison", "above") == "above"
        if (critical < warning) if above else (critical > warning):
            side = "at or above" if above else "at or below"
            raise ValidationFailed(
                f"`critical` must be {side} `warning` for `{rule['comparison']}`."
            )
    _check_channels(rt, project_rowid, rule.get("channel_ids") or [])


def _check_channels(rt: Runtime, project_rowid: int, ids: list[str]) -> None:
    with rt.db.reader.connect() as conn:
        missing = [i for i in ids if store.CHANNELS.find(conn, project_rowid, i) is None]
    if missing:
        raise ValidationFailed(f"No alert channel {missing[0]!r} in this project.")


def _resolved_channels(rt: Runtime, project_rowid: int, ids: list[str]) -> list[str]:
    """Channel references (ids or names) as ids."""
    with rt.db.reader.connect() as conn:
        return [store.CHANNELS.find(conn, project_rowid, i)["id"] for i in ids]


def _stored(rt: Runtime, project_rowid: int, fields: dict[str, Any]) -> dict[str, Any]:
    values = dict(fields)
    if "filter" in values:
        values["filter"] = jsontext.dumps(AlertFilter.model_validate(values["filter"]).model_dump())
    if "channel_ids" in values:
        ids = _resolved_channels(rt, project_rowid, values["channel_ids"])
        values["channel_ids"] = jsontext.dumps(ids)
    return values


def create(rt: Runtime, scope: ProjectScope, body: RuleIn) -> dict[str, Any]:
    scope.require_write()
    fields = body.model_dump()
    check(rt, scope.project_rowid, fields)
    now = now_us()
    values = _stored(rt, scope.project_rowid, fields)
    values.update(
        id=new_id(),
        project_rowid=scope.project_rowid,
        state="ok",
        state_since=now,
        next_evaluation_at=now,
        created_at=now,
        updated_at=now,
    )
    return RESOURCE.create(rt, values)


def update(rt: Runtime, scope: ProjectScope, ref: str, body: RulePatch) -> dict[str, Any]:
    scope.require_write()
    row = RESOURCE.require(rt, scope.project_rowid, ref)
    given = body.model_dump(exclude_unset=True)
    merged = {**render(row), **given}
    check(rt, scope.project_rowid, merged)
    values = _stored(rt, scope.project_rowid, given)
    values.update(updated_at=now_us(), next_evaluation_at=now_us())
    return RESOURCE.update(rt, row, values)


def delete(rt: Runtime, scope: ProjectScope, ref: str) -> None:
    scope.require_write()
    RESOURCE.delete(rt, RESOURCE.require(rt, scope.project_rowid, ref))


def get(rt: Runtime, scope: ProjectScope, ref: str) -> dict[str, Any]:
    return render(RESOURCE.require(rt, scope.project_rowid, ref))


def list_rules(rt: Runtime, scope: ProjectScope) -> dict[str, Any]:
    return RESOURCE.page(rt, scope.project_rowid)
