"""Recording changes (one `record` call per change, in the change's own transaction),
verifying the chain, and reading an organization's entries."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from tracehouse.audit import chain, context, store
from tracehouse.clock import now_us
from tracehouse.ids import new_id
from tracehouse.jsontext import dumps

#: Field names whose values never enter the log (the names stay, the values are dropped).
_SECRET = re.compile(r"secret|password|token|hash|api_?key|credential|authorization", re.I)
REDACTED = "[redacted]"


def record(
    conn: Connection,
    action: str,
    target: tuple[str, str | None] | None = None,
    *,
    org_rowid: int | None = None,
    project_rowid: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Append an entry for `action` on `target` (kind, id) by whoever the bound origin names;
    `before`/`after` summarise the change (secret-looking fields are redacted); a project
    names its organization."""
    origin = context.current()
    project_id = None
    if project_rowid is not None:
        project_id, project_org = store.project_where(conn, project_rowid)
        org_rowid = project_org or org_rowid
    entry: dict[str, Any] = {
        "id": new_id(),
        "created_at": now_us(),
        "org_rowid": org_rowid,
        "project_id": project_id,
        "actor": origin.actor,
        "action": action,
        "target_type": target[0] if target else None,
        "target_id": target[1] if target else None,
        "summary": dumps({"before": scrub(before), "after": scrub(after)}),
        "address": origin.address,
        "user_agent": origin.user_agent,
        "request_id": origin.request_id,
    }
    prev = store.chain_head(conn) or chain.GENESIS
    store.append(conn, {**entry, "prev_hash": prev, "hash": chain.entry_hash(prev, entry)})


def scrub(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """`values` with every secret-looking field redacted (nested mappings too)."""
    if values is None:
        return None
    return {
        key: REDACTED
        if _SECRET.search(key) and value is not None
        else scrub(value)
        if isinstance(value, Mapping)
        else value
        for key, value in values.items()
    }


def verify(conn: Connection) -> tuple[int, Any]:
    """How many entries verify, and the first entry that does not (None when all do)."""
    return chain.first_break(store.in_chain_order(conn))


def purge(conn: Connection, days: int | None, now: int | None = None) -> int:
    """Drop entries older than `days` (None keeps them forever)."""
    if days is None:
        return 0
    return store.purge_before(conn, (now or now_us()) - days * 86_400_000_000)
