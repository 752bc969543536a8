"""Masking rules of a project: create, change, delete (audit-logged), and the preview."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from tracehouse.audit import service as audit
from tracehouse.clock import now_us
from tracehouse.errors import Conflict, NotFound
from tracehouse.ids import new_id
from tracehouse.masking import rules, store
from tracehouse.masking.engine import Masker

#: What the audit log keeps of a rule (the pattern says what is looked for, never a value).
_AUDITED = ("name", "detector", "pattern", "case_sensitive", "target", "action", "enabled")


def _summary(row: Any) -> dict[str, Any]:
    return {name: row[name] for name in _AUDITED}


def get_rule(conn: Connection, project_rowid: int, rule_id: str) -> Any:
    row = store.get_rule(conn, project_rowid, rule_id)
    if row is None:
        raise NotFound(f"No masking rule {rule_id!r}.")
    return row


def _unique_name(conn: Connection, project_rowid: int, name: str, rule_id: str | None) -> None:
    if store.name_taken(conn, project_rowid, name, rule_id):
        raise Conflict(f"The project already has a masking rule named {name!r}.")


def create_rule(conn: Connection, project_rowid: int, fields: dict[str, Any]) -> Any:
    fields = {**fields, "name": fields.get("name") or fields["detector"]}
    rules.validate(fields)
    _unique_name(conn, project_rowid, fields["name"], None)
    now = now_us()
    row = {**fields, "id": new_id(), "project_rowid": project_rowid}
    row.update(created_at=now, updated_at=now, masked_count=0)
    store.insert_rule(conn, row)
    store.bump_version(conn, project_rowid)
    audit.record(
        conn, "masking_rule.create", ("masking_rule", row["id"]),
        project_rowid=project_rowid, after=_summary(row),
    )  # fmt: skip
    return get_rule(conn, project_rowid, row["id"])


def update_rule(conn: Connection, project_rowid: int, rule_id: str, changes: dict[str, Any]) -> Any:
    before = get_rule(conn, project_rowid, rule_id)
    fields = {**_summary(before), **changes}
    rules.validate(fields)
    _unique_name(conn, project_rowid, fields["name"], rule_id)
    store.update_rule(conn, project_rowid, rule_id, {**changes, "updated_at": now_us()})
    store.bump_version(conn, project_rowid)
    audit.record(
        conn, "masking_rule.update", ("masking_rule", rule_id), project_rowid=project_rowid,
        before=_summary(before), after=fields,
    )  # fmt: skip
    return get_rule(conn, project_rowid, rule_id)


def delete_rule(conn: Connection, project_rowid: int, rule_id: str) -> None:
    before = get_rule(conn, project_rowid, rule_id)
    store.delete_rule(conn, project_rowid, rule_id)
    store.bump_version(conn, project_rowid)
    audit.record(
        conn, "masking_rule.delete", ("masking_rule", rule_id), project_rowid=project_rowid,
        before=_summary(before),
    )  # fmt: skip


def preview(
    conn: Connection, project_rowid: int, text: str, extra: dict[str, Any] | None
) -> tuple[str, dict[str, int]]:
    """`text` as the project's enabled rules (plus `extra`, an unsaved rule) would store it;
    counts by rule name."""
    rows = [dict(row) for row in store.list_rules(conn, project_rowid)]
    if extra is not None:
        extra = {**extra, "name": extra.get("name") or extra["detector"], "id": "preview"}
        rules.validate(extra)
        rows = [row for row in rows if row["name"] != extra["name"]] + [{**extra, "enabled": True}]
    found = store.state(conn, project_rowid)
    masker = rules.masker_for_rows(rows, found[1] if found else b"preview")
    if masker is None:
        return text, {}
    masked, counts = masker.mask_text(text)
    names = {row["id"]: row["name"] for row in rows}
    return masked, {names[rule_id]: count for rule_id, count in counts.items()}


def mask_value(masker: Masker | None, value: Any) -> Any:
    """`value` masked by `masker` (as it is without one)."""
    return value if masker is None else masker.mask_value(value)[0]
