"""Group commit: requests queue their batches; one writer commits many per transaction.

A request's future resolves only after its transaction commits, so a 2xx always means the
data is durable. Each batch runs in its own savepoint: one bad batch fails alone. `submit`
raises `Unavailable` (503 + `Retry-After`) at once when the batch would wait longer than the
wait budget (`admission.py`) or more records wait than the queue allows; the server's own
background writers (an evaluation's scores, a judge's trace, a replay's trace) are never shed:
no client would retry them, so they queue and wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from tracehouse.clock import now_us
from tracehouse.errors import Unavailable
from tracehouse.ingest.admission import Admission
from tracehouse.ingest.merge import Changes
from tracehouse.ingest.shipping import Shipment
from tracehouse.live.broker import Broker
from tracehouse.live.events import Written
from tracehouse.records import Batch

log = logging.getLogger(__name__)

#: Writes one job's batch inside an open transaction.
Apply = Callable[[Connection, "Job", int], None]


@dataclass
class Job:
    """One request's batch, for one project."""

    project_rowid: int
    batch: Batch | Changes | Shipment
    is_test: bool
    apply: Apply
    size: int = 0
    #: The trace ids the batch wrote, set by `apply`: published once the group commits.
    written: Written | None = None
    future: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class Writer:
    """The single writer of a server process."""

    def __init__(
        self,
        engine: Engine,
        *,
        max_pending: int,
        max_group: int,
        broker: Broker | None = None,
        wait_budget: float = math.inf,
    ):
        self._engine = engine
        self.admission = Admission(wait_budget)
        self._broker = broker or Broker()
        self._max_pending = max_pending
        self._max_group = max_group
        self._queue: asyncio.Queue[Job] = asyncio.Queue()
        self._pending = 0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracehouse-writer")
        self._task: asyncio.Task[None] | None = None
        #: When the last group was committed (`time.monotonic()`): background jobs that share
        #: the writer (the search indexer) wait for a quiet spell.
        self.last_commit = -math.inf

    @property
    def pending(self) -> int:
        """Records queued or being committed."""
        return self._pending

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="tracehouse-writer")

    async def stop(self) -> None:
        """Commit everything queued, then stop."""
        if self._task is not None:
            await self._queue.join()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._executor.shutdown(wait=True)

    async def submit(self, job: Job, *, shed: bool = True) -> None:
        """Queue a job and wait until it is committed (or raise its error). `shed=False`: a
        write of the server's own background work, queued whatever the wait (a 503 would
        lose it: nothing retries it)."""
        job.size = max(len(job.batch), 1)
        if shed:
            self._admit(job.size)
        self._pending += job.size
        await self._queue.put(job)
        await job.future

    def _admit(self, size: int) -> None:
        """503 at once when the batch would wait past the budget or overflow the queue."""
        pending = self._pending
        if pending == 0 or (
            pending + size <= self._max_pending and self.admission.admits(pending, size)
        ):
            return
        wait = self.admission.expected_wait(pending, size)
        retry = self.admission.retry_after(pending)
        raise Unavailable(
            f"The server is busy writing (about {wait:.1f} s of writes are waiting); retry in "
            f"{retry} s.",
            {"expected_wait_seconds": round(wait, 2), "retry_after": retry},
            headers={"Retry-After": str(retry)},
        )

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            group = [await self._queue.get()]
            size = group[0].size
            while size < self._max_group and not self._queue.empty():
                job = self._queue.get_nowait()
                group.append(job)
                size += job.size
            started = time.perf_counter()
            errors, written = await loop.run_in_executor(self._executor, self._commit, group)
            self.admission.observe(size, time.perf_counter() - started)
            self.last_commit = time.monotonic()
            if written:
                self._broker.committed(written)
            for job, error in zip(group, errors, strict=True):
                self._pending -= job.size
                if not job.future.done():
                    if error is None:
                        job.future.set_result(None)
                    else:
                        job.future.set_exception(error)
                self._queue.task_done()

    def _commit(self, group: list[Job]) -> tuple[list[BaseException | None], list[Written]]:
        errors: list[BaseException | None] = []
        now = now_us()
        try:
            with self._engine.begin() as conn:
                for job in group:
                    errors.append(self._apply_one(conn, job, now))
                written = [
                    job.written
                    for job, error in zip(group, errors, strict=True)
                    if error is None and job.written is not None
                ]
                if written:
                    self._broker.stage(conn, written)
        except Exception as exc:  # the commit itself failed: nothing in the group is durable
            log.exception("commit of %d batches failed", len(group))
            return [exc] * len(group), []
        return errors, written

    @staticmethod
    def _apply_one(conn: Connection, job: Job, now: int) -> BaseException | None:
        savepoint = conn.begin_nested()
        try:
            job.apply(conn, job, now)
        except Exception as exc:
            savepoint.rollback()
            return exc
        savepoint.commit()
        return None
