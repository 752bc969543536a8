"""The history of alert state changes: each with its value, threshold and deliveries."""

from __future__ import annotations

from typing import Any

from tracehouse import jsontext
from tracehouse.alerts import rules, store
from tracehouse.clock import iso
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.runtime import Runtime


def render(row: Any) -> dict[str, Any]:
    return {
        "rule_id": row["rule_id"],
        "rule_name": row["rule_name"],
        "at": iso(row["created_at"]),
        "from_state": row["from_state"],
        "to_state": row["to_state"],
        "value": row["value"],
        "threshold": row["threshold"],
        "no_data": row["no_data"],
        "notified": row["notified"],
        "deliveries": jsontext.loads(row["deliveries"]),
    }


def page(
    rt: Runtime, scope: ProjectScope, params: PageParams, rule_ref: str | None = None
) -> dict[str, Any]:
    rule_rowid = None
    if rule_ref is not None:
        rule_rowid = rules.RESOURCE.require(rt, scope.project_rowid, rule_ref)["rule_rowid"]
    with rt.db.reader.connect() as conn:
        rows = store.events(conn, scope.project_rowid, params, rule_rowid)
    total = len(rows)  # a page's worth; `has_more` tells the rest
    return page_body(rows, params, total, render, lambda r: (r["created_at"], r["event_rowid"]))
