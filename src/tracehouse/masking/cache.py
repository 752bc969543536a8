"""Each process's cache of projects' maskers, checked against the rules' version counter.

A project's entry is trusted for `CACHE_SECONDS`; then one small query reads the version and
the rules are loaded again only if it moved. Changes made through this process invalidate
the entry at once; other processes (PostgreSQL) see them within `CACHE_SECONDS`. A project
without rules costs that one query a period and nothing per batch.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from tracehouse.masking import store
from tracehouse.masking.engine import Masker
from tracehouse.masking.rules import masker_of
from tracehouse.store.engine import Database

CACHE_SECONDS = 2.0


@dataclass(slots=True)
class _Entry:
    expires: float
    version: int | None
    masker: Masker | None


class MaskerCache:
    """project rowid → its masker (None: no enabled rule)."""

    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}

    async def get(self, db: Database, project_rowid: int) -> Masker | None:
        entry = self._entries.get(project_rowid)
        if entry is None or entry.expires <= time.monotonic():
            entry = await asyncio.to_thread(self.load, db, project_rowid, entry)
            self._entries[project_rowid] = entry
        return entry.masker

    @staticmethod
    def load(db: Database, project_rowid: int, entry: _Entry | None) -> _Entry:
        expires = time.monotonic() + CACHE_SECONDS
        with db.reader.connect() as conn:
            version = store.version(conn, project_rowid)
            if entry is not None and version == entry.version:
                return _Entry(expires, version, entry.masker)
            return _Entry(expires, version, masker_of(conn, project_rowid))

    def invalidate(self, project_rowid: int) -> None:
        self._entries.pop(project_rowid, None)
