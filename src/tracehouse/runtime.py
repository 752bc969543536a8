"""The objects one running server shares: settings, database, writer, rate limiter, login
throttle and password threads, media storage, events."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from tracehouse.config import Settings
from tracehouse.http.ratelimit import Limiter
from tracehouse.ingest.writer import Writer
from tracehouse.live.broker import Broker
from tracehouse.masking.cache import MaskerCache
from tracehouse.media.storage import MediaStorage
from tracehouse.store.engine import Database
from tracehouse.users.passwords import PasswordChecks
from tracehouse.users.throttle import LoginThrottle


@dataclass
class Runtime:
    settings: Settings
    db: Database
    writer: Writer
    limiter: Limiter
    #: The bounded thread pool logins check passwords on.
    passwords: PasswordChecks
    #: Failed logins per account and client address.
    login_throttle: LoginThrottle
    #: Where media bytes are kept: the media directory or an S3-compatible bucket.
    media: MediaStorage
    #: Live trace events of this process (fed by the writer, or by LISTEN on PostgreSQL).
    broker: Broker = field(default_factory=Broker)
    #: key rowid -> when its `last_used_at` was last written (epoch µs), to write it rarely.
    key_touches: dict[int, int] = field(default_factory=dict)
    #: (project rowid, UTC day) -> data-plane requests not yet added to `usage_counters`.
    request_counts: Counter[tuple[int, int]] = field(default_factory=Counter)
    #: Guards `request_counts` (sync dependencies run on worker threads).
    usage_lock: threading.Lock = field(default_factory=threading.Lock)
    #: project rowid -> (monotonic expiry, quota violation message or None).
    quota_cache: dict[int, tuple[float, str | None]] = field(default_factory=dict)
    #: project rowid -> its PII masker, checked against the rules' version counter.
    masking: MaskerCache = field(default_factory=MaskerCache)
    #: Set when an evaluation run is queued, so the worker starts it without waiting.
    evaluation_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    #: The payment provider of billing, built on first use (None: not built yet).
    payments: Any = None


def runtime(request: Request) -> Runtime:
    """The runtime of the app serving this request (FastAPI dependency)."""
    value: Runtime = request.app.state.runtime
    return value
