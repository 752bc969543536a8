"""The audit log's hash chain: `tracehouse audit verify` passes on an honest log, names the
entry an edit or a deletion broke, and concurrent writers on PostgreSQL never fork it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, select, update
from tests.cli.conftest import tracehouse
from tests.cli.test_admin import db_env
from tests.conftest import Harness

from tracehouse.audit import context
from tracehouse.audit import service as audit
from tracehouse.jobs import retention
from tracehouse.store.engine import open_database
from tracehouse.store.tables import audit_log

pytestmark = pytest.mark.anyio


async def _some_changes(th: Harness) -> None:
    token = await th.admin_token()
    for name in ("a", "b", "c"):
        await th.client.post("/api/v1/projects", json={"name": name}, headers=token)


async def test_verify_passes_then_detects_an_edited_row(th: Harness) -> None:
    await _some_changes(th)
    ok = tracehouse("audit", "verify", env=db_env(th))
    assert ok.exit_code == 0, ok.output
    assert "verified" in ok.stdout
    db = open_database(th.settings)
    try:
        with db.writer.begin() as conn:
            rows = list(conn.execute(select(audit_log).order_by(audit_log.c.entry_rowid)))
            victim = rows[len(rows) // 2]
            conn.execute(
                update(audit_log)
                .where(audit_log.c.entry_rowid == victim.entry_rowid)
                .values(actor="user:someone-else@example.com")
            )
    finally:
        db.dispose()
    broken = tracehouse("audit", "verify", env=db_env(th))
    assert broken.exit_code == 1
    assert f"BROKEN at entry {victim.id}" in broken.stderr


async def test_verify_detects_a_deleted_row(th: Harness) -> None:
    await _some_changes(th)
    db = open_database(th.settings)
    try:
        with db.writer.begin() as conn:
            rowids = list(conn.scalars(select(audit_log.c.entry_rowid).order_by("entry_rowid")))
            conn.execute(delete(audit_log).where(audit_log.c.entry_rowid == rowids[2]))
    finally:
        db.dispose()
    broken = tracehouse("audit", "verify", env=db_env(th))
    assert broken.exit_code == 1 and "BROKEN" in broken.stderr


async def test_concurrent_writers_keep_one_chain(th: Harness) -> None:
    """Separate connections (as separate server processes would) append at once."""
    db = open_database(th.settings)

    def append(worker: int) -> None:
        context.bind(context.Origin(actor=f"worker:{worker}"))
        for n in range(10):
            with db.writer.begin() as conn:
                audit.record(conn, "test.append", ("n", str(n)))

    threads = [threading.Thread(target=append, args=(w,)) for w in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with db.reader.connect() as conn:
            checked, broken = audit.verify(conn)
            prev = list(conn.scalars(select(audit_log.c.prev_hash)))
    finally:
        db.dispose()
    assert broken is None
    assert checked >= 40
    assert len(prev) == len(set(prev))  # no two entries claim the same predecessor


async def test_retention_drops_old_entries_and_the_rest_still_verifies(th: Harness) -> None:
    await _some_changes(th)
    db = open_database(th.settings)
    try:
        with db.reader.connect() as conn:
            times = list(conn.scalars(select(audit_log.c.created_at).order_by("entry_rowid")))
        middle = times[len(times) // 2]
        purged = retention.purge(
            db.writer, test_data_days=5, audit_days=1, now=middle + 86_400_000_000
        )
        with db.reader.connect() as conn:
            kept = list(conn.scalars(select(audit_log.c.created_at)))
            checked, broken = audit.verify(conn)
    finally:
        db.dispose()
    assert purged.audit_entries == len([t for t in times if t < middle]) > 0
    assert kept and min(kept) >= middle
    assert broken is None and checked == len(kept)
    assert tracehouse("audit", "verify", env=db_env(th)).exit_code == 0
