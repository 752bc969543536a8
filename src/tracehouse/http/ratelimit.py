"""Per-key rate limits: a token bucket per key, in memory (SQLite) or in PostgreSQL (shared).

A bucket holds up to `burst` requests and refills at `per_minute / 60` per second. A refused
request leaves the bucket at -1, so a client hammering through 429s waits its turn like others.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, text


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int
    retry_after: int

    def headers(self) -> dict[str, str]:
        values = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            values["Retry-After"] = str(self.retry_after)
        return values


def decide(tokens: float, now: float, per_minute: int, burst: int) -> Decision:
    """The decision for a bucket left at `tokens` after this request was counted."""
    rate = per_minute / 60.0
    allowed = tokens >= 0
    seconds_to_full = (burst - max(tokens, 0.0)) / rate
    return Decision(
        allowed=allowed,
        limit=per_minute,
        remaining=max(int(tokens), 0),
        reset=math.ceil(now + seconds_to_full),
        retry_after=0 if allowed else max(1, math.ceil(-tokens / rate)),
    )


class MemoryLimiter:
    """Buckets in this process's memory: right for one process (SQLite)."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, per_minute: int, burst: int) -> Decision:
        now = time.time()
        rate = per_minute / 60.0
        with self._lock:
            tokens, updated = self._buckets.get(key, (float(burst), now))
            refilled = min(float(burst), tokens + (now - updated) * rate)
            left = max(-1.0, refilled - 1.0)
            self._buckets[key] = (left, now)
        return decide(left, now, per_minute, burst)


_PG_HIT = text(
    """
    INSERT INTO rate_limit_buckets (bucket_key, tokens, updated_at)
    VALUES (:key, :burst - 1, :now)
    ON CONFLICT (bucket_key) DO UPDATE SET
      tokens = GREATEST(-1, LEAST(:burst, rate_limit_buckets.tokens
               + (:now - rate_limit_buckets.updated_at) * :rate) - 1),
      updated_at = :now
    RETURNING tokens
    """
)


class PostgresLimiter:
    """Buckets in a PostgreSQL table, shared by every server process."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def hit(self, key: str, per_minute: int, burst: int) -> Decision:
        now = time.time()
        params = {"key": key, "burst": float(burst), "now": now, "rate": per_minute / 60.0}
        with self._engine.begin() as conn:
            tokens = float(conn.execute(_PG_HIT, params).scalar_one())
        return decide(tokens, now, per_minute, burst)


Limiter = MemoryLimiter | PostgresLimiter
