"""Ingestion: hand a decoded batch to the writer and wait until it is committed."""

from __future__ import annotations

from sqlalchemy import Connection

from tracehouse.http.auth import ProjectScope
from tracehouse.ingest.pipeline import apply_batch, make_pricer
from tracehouse.ingest.writer import Job
from tracehouse.pricing.service import custom_prices
from tracehouse.records import Batch
from tracehouse.runtime import Runtime
from tracehouse.usage.service import check_quota


def _apply(conn: Connection, job: Job, now: int) -> None:
    pricer = make_pricer(custom_prices(conn, job.project_rowid))
    apply_batch(conn, job.project_rowid, job.batch, is_test=job.is_test, pricer=pricer, now=now)


async def ingest(rt: Runtime, scope: ProjectScope, batch: Batch) -> None:
    """Write `batch` into the caller's project; returns once it is durable."""
    scope.require_write()
    if not len(batch):
        return
    await check_quota(rt, scope)
    await rt.writer.submit(Job(scope.project_rowid, batch, scope.is_test, _apply))
