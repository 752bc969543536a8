"""Admission of writes by expected wait: the writer's measured commit cost times what waits.

The writer reports each group commit (records, seconds); an exponentially weighted average of
the seconds per record, times the records already waiting plus the new batch, is how long the
new batch would wait. Over the budget it is refused at once (503 + `Retry-After`) instead of
being queued to wait. As groups grow under load the cost per record falls, so the estimate
follows the writer's real throughput; an admitted write waits about the budget for the work
ahead of it plus at most one commit in progress, hence a budget of half the target wait.
"""

from __future__ import annotations

import math

#: Weight of the newest commit in the average: about the last ten commits count.
SMOOTHING = 0.2
#: Requests admitted at once before the first one completed (nothing measured yet).
COLD_START = 16


class Admission:
    """Decides whether a write of `size` records may wait behind `pending` ones."""

    def __init__(self, budget_seconds: float):
        self.budget_seconds = budget_seconds
        self.seconds_per_record: float | None = None

    def observe(self, records: int, seconds: float) -> None:
        """One group commit of `records` records took `seconds`."""
        if records <= 0:
            return
        cost = seconds / records
        previous = self.seconds_per_record
        self.seconds_per_record = (
            cost if previous is None else previous + SMOOTHING * (cost - previous)
        )

    def expected_wait(self, pending: int, size: int) -> float:
        """Seconds until a new batch of `size` records would be committed (0 before any
        commit was measured)."""
        return (pending + size) * (self.seconds_per_record or 0.0)

    def admits(self, pending: int, size: int) -> bool:
        """An idle writer takes anything; a busy one what it will commit within the budget."""
        return pending == 0 or self.expected_wait(pending, size) <= self.budget_seconds

    def retry_after(self, pending: int) -> int:
        """Whole seconds until the records waiting now are committed (at least 1)."""
        return max(1, math.ceil(self.expected_wait(pending, 0)))


class InFlight:
    """Little's law over whole write requests: a new request waits for the ones in flight,
    which complete every `seconds_per_completion` (measured while any is in flight, so idle
    time does not count). This covers what precedes the writer too (reading and decoding
    bodies, authentication), which is where a saturated process spends its time."""

    def __init__(self, budget_seconds: float):
        self.budget_seconds = budget_seconds
        self.in_flight = 0
        self.seconds_per_completion: float | None = None
        self._mark = 0.0

    def expected_wait(self) -> float:
        """Seconds a request entering now would take (0 before any completion was seen)."""
        return (self.in_flight + 1) * (self.seconds_per_completion or 0.0)

    def admits(self) -> bool:
        """Anything when idle; before the first completion, `COLD_START` at once; then what
        would be answered within the budget."""
        if self.seconds_per_completion is None:
            return self.in_flight < COLD_START
        return self.in_flight == 0 or self.expected_wait() <= self.budget_seconds

    def enter(self, now: float) -> bool:
        """Count a request in, or refuse it (False) when it would wait past the budget."""
        if not self.admits():
            return False
        if self.in_flight == 0:
            self._mark = now
        self.in_flight += 1
        return True

    def leave(self, now: float) -> None:
        """A request that entered has been answered."""
        sample, self._mark = now - self._mark, now
        previous = self.seconds_per_completion
        self.seconds_per_completion = (
            sample if previous is None else previous + SMOOTHING * (sample - previous)
        )
        self.in_flight -= 1

    def retry_after(self) -> int:
        """Whole seconds until the requests in flight are answered (at least 1)."""
        return max(1, math.ceil(self.expected_wait()))
