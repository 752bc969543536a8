"""SQL for masking rules, the per-project state (version, hash key) and the masked counts."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from tracehouse.store.tables import masking_rules, masking_state


def list_rules(conn: Connection, project_rowid: int) -> list[Any]:
    query = (
        select(masking_rules)
        .where(masking_rules.c.project_rowid == project_rowid)
        .order_by(masking_rules.c.rule_rowid)
    )
    return list(conn.execute(query).mappings())


def get_rule(conn: Connection, project_rowid: int, rule_id: str) -> Any:
    query = select(masking_rules).where(
        masking_rules.c.project_rowid == project_rowid, masking_rules.c.id == rule_id
    )
    return conn.execute(query).mappings().first()


def name_taken(conn: Connection, project_rowid: int, name: str, rule_id: str | None) -> bool:
    query = select(masking_rules.c.id).where(
        masking_rules.c.project_rowid == project_rowid, masking_rules.c.name == name
    )
    found = conn.execute(query).scalar()
    return found is not None and found != rule_id


def insert_rule(conn: Connection, row: Mapping[str, Any]) -> None:
    conn.execute(insert(masking_rules).values(**row))


def update_rule(
    conn: Connection, project_rowid: int, rule_id: str, values: Mapping[str, Any]
) -> None:
    conn.execute(
        update(masking_rules)
        .where(masking_rules.c.project_rowid == project_rowid, masking_rules.c.id == rule_id)
        .values(**values)
    )


def delete_rule(conn: Connection, project_rowid: int, rule_id: str) -> None:
    conn.execute(
        delete(masking_rules).where(
            masking_rules.c.project_rowid == project_rowid, masking_rules.c.id == rule_id
        )
    )


def state(conn: Connection, project_rowid: int) -> tuple[int, bytes] | None:
    """(version, hash key) of the project's rules, or None before its first rule."""
    query = select(masking_state.c.version, masking_state.c.hash_key).where(
        masking_state.c.project_rowid == project_rowid
    )
    row = conn.execute(query).first()
    return None if row is None else (row.version, bytes.fromhex(row.hash_key))


def version(conn: Connection, project_rowid: int) -> int | None:
    query = select(masking_state.c.version).where(masking_state.c.project_rowid == project_rowid)
    found: int | None = conn.execute(query).scalar()
    return found


def bump_version(conn: Connection, project_rowid: int) -> None:
    """Count a change of the project's rules (caches in every process notice it)."""
    changed = conn.execute(
        update(masking_state)
        .where(masking_state.c.project_rowid == project_rowid)
        .values(version=masking_state.c.version + 1)
    )
    if not changed.rowcount:
        key = secrets.token_hex(32)
        conn.execute(
            insert(masking_state).values(project_rowid=project_rowid, version=1, hash_key=key)
        )


def add_counts(conn: Connection, project_rowid: int, counts: Mapping[str, int]) -> None:
    """Add what a batch masked to each rule's count (a rule deleted since is skipped)."""
    for rule_id, count in counts.items():
        conn.execute(
            update(masking_rules)
            .where(masking_rules.c.project_rowid == project_rowid, masking_rules.c.id == rule_id)
            .values(masked_count=masking_rules.c.masked_count + count)
        )
