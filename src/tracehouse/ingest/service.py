"""Ingestion: hand a decoded batch to the writer and wait until it is committed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from tracehouse.datasets.experiments import link_spans, marked
from tracehouse.http.auth import ProjectScope
from tracehouse.ingest.merge import Changes, changes_of
from tracehouse.ingest.pipeline import apply_batch, make_pricer
from tracehouse.ingest.shipping import Shipment, shipment_of
from tracehouse.ingest.writer import Job
from tracehouse.live.events import Written
from tracehouse.masking import store as masking_store
from tracehouse.pricing.service import custom_prices
from tracehouse.records import Batch
from tracehouse.runtime import Runtime
from tracehouse.usage.service import check_quota


def _apply(conn: Connection, job: Job, now: int) -> None:
    # Shipped here, on the writer's thread and after the queue admitted the job (an OTLP
    # worker's shipment passes through as it is).
    shipment = shipment_of(job.batch, now)
    pricer = make_pricer(custom_prices(conn, job.project_rowid))
    created, updated = apply_batch(
        conn, job.project_rowid, shipment, is_test=job.is_test, pricer=pricer, now=now
    )
    job.written = Written(job.project_rowid, created, updated)
    if shipment.changes.masked:
        masking_store.add_counts(conn, job.project_rowid, shipment.changes.masked)
    link_spans(conn, job.project_rowid, _span_attributes(shipment), now)


def _span_attributes(shipment: Shipment) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """Every observation's trace id, with its attributes when they mark an experiment span."""
    for values in shipment.changes.observations.values():
        yield values["trace_id"], marked(values.get("attributes"))


async def ingest(
    rt: Runtime, scope: ProjectScope, batch: Batch | Changes | Shipment, *, shed: bool = True
) -> None:
    """Write `batch` into the caller's project; returns once it is durable.

    Records are masked with the project's rules here (`changes_of`); changes come masked
    already (the OTLP route hands its masker to the process that decodes them). `shed=False`
    for the server's background work: never refused with a 503 when the writer is busy."""
    scope.require_write()
    if not len(batch):
        return
    await check_quota(rt, scope)
    if isinstance(batch, Batch):
        masker = await rt.masking.get(rt.db, scope.project_rowid)
        if masker is not None:
            batch = changes_of(batch, masker)
    await rt.writer.submit(Job(scope.project_rowid, batch, scope.is_test, _apply), shed=shed)
