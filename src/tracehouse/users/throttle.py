"""The login throttle: failed logins counted per account and per client address.

A key (an account's e-mail, a client address) has a few free failures; past them, each further
failure locks the key out for twice as long as the one before (1 s, 2 s, 4 s … at most
15 min), during which its logins are answered 429 + `Retry-After` without checking any
password. A successful login clears its account's count (not its address's, or one valid
account would reset an attacker's address); a key with no failure for an hour starts afresh.
The counts live in this process's memory (SQLite: one process) or in the `login_failures`
table, shared by every server process (PostgreSQL).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine

from tracehouse.errors import RateLimited
from tracehouse.users import store

#: Failures before the back-off starts, per account and per client address (one address may
#: serve many people, behind a NAT).
ACCOUNT_FREE_FAILURES = 5
ADDRESS_FREE_FAILURES = 20
FIRST_LOCK_US = 1_000_000
LONGEST_LOCK_US = 15 * 60 * 1_000_000
FORGET_AFTER_US = 60 * 60 * 1_000_000


@dataclass(frozen=True, slots=True)
class Count:
    """A key's failures in a row and when the last one was (epoch µs)."""

    failures: int
    failed_at: int

    def locked_until(self, free: int) -> int:
        """Until when (epoch µs) the key is locked out; 0 when it is not."""
        over = self.failures - free
        if over <= 0:
            return 0
        return self.failed_at + min(FIRST_LOCK_US << min(over - 1, 30), LONGEST_LOCK_US)


class Failures(Protocol):
    def counts(self, keys: list[str], now: int) -> dict[str, Count]: ...
    def fail(self, keys: list[str], now: int) -> None: ...
    def clear(self, key: str) -> None: ...


class MemoryFailures:
    """Counts in this process's memory: right for one process (SQLite)."""

    def __init__(self) -> None:
        self._counts: dict[str, Count] = {}
        self._lock = threading.Lock()

    def counts(self, keys: list[str], now: int) -> dict[str, Count]:
        with self._lock:
            found = {key: self._counts[key] for key in keys if key in self._counts}
        return {k: c for k, c in found.items() if c.failed_at > now - FORGET_AFTER_US}

    def fail(self, keys: list[str], now: int) -> None:
        with self._lock:
            for key in keys:
                previous = self._counts.get(key)
                kept = 0 if previous is None else previous.failures
                if previous is not None and previous.failed_at <= now - FORGET_AFTER_US:
                    kept = 0
                self._counts[key] = Count(kept + 1, now)
            if len(self._counts) > 100_000:  # an attack on many keys: drop the forgotten ones
                stale = now - FORGET_AFTER_US
                self._counts = {k: c for k, c in self._counts.items() if c.failed_at > stale}

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


class DatabaseFailures:
    """Counts in the `login_failures` table, shared by every server process (PostgreSQL)."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def counts(self, keys: list[str], now: int) -> dict[str, Count]:
        with self._engine.connect() as conn:
            rows = store.login_failures(conn, keys, now - FORGET_AFTER_US)
        return {key: Count(failures, failed_at) for key, failures, failed_at in rows}

    def fail(self, keys: list[str], now: int) -> None:
        with self._engine.begin() as conn:
            for key in sorted(keys):  # one order for every process: no deadlock
                store.add_login_failure(conn, key, now, now - FORGET_AFTER_US)

    def clear(self, key: str) -> None:
        with self._engine.begin() as conn:
            store.clear_login_failures(conn, key)


class LoginThrottle:
    """Checks and counts the logins of an account from a client address."""

    def __init__(self, failures: Failures):
        self.failures = failures

    @staticmethod
    def _keys(email: str, address: str) -> dict[str, int]:
        return {
            f"account:{email}": ACCOUNT_FREE_FAILURES,
            f"address:{address}": ADDRESS_FREE_FAILURES,
        }

    def check(self, email: str, address: str, now: int) -> None:
        """429 + `Retry-After` while the account or the address is locked out."""
        keys = self._keys(email, address)
        counts = self.failures.counts(list(keys), now)
        until = max((counts[k].locked_until(keys[k]) for k in counts), default=0)
        if until > now:
            retry = math.ceil((until - now) / 1_000_000)
            raise RateLimited(
                f"Too many failed logins; retry in {retry} s.",
                {"retry_after": retry},
                headers={"Retry-After": str(retry)},
            )

    def failed(self, email: str, address: str, now: int) -> None:
        self.failures.fail(list(self._keys(email, address)), now)

    def succeeded(self, email: str) -> None:
        self.failures.clear(f"account:{email}")
