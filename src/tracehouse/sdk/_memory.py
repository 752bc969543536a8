"""The memory client: store, find and forget an agent's memories on the server (see
docs/memory.md). Unlike tracing, these calls wait for the server and raise `TracehouseError`
when it refuses or cannot be reached: the caller needs the answer."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tracehouse.sdk._checkpoints import request as _request
from tracehouse.sdk._exceptions import ServerError

if TYPE_CHECKING:
    from tracehouse.sdk._client import Tracehouse

PATH = "/api/v1/memory"
Scope = str | Sequence[str]


@dataclass(frozen=True, slots=True)
class MemoryEntry:
    """One memory entry (`score` set on search hits)."""

    id: str
    scope: str
    content: str
    created_at: datetime
    updated_at: datetime
    key: str | None = None
    category: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    importance: float | None = None
    expires_at: datetime | None = None
    score: float | None = None

    @property
    def namespace(self) -> tuple[str, ...]:
        return tuple(self.scope.split("/"))


@dataclass(frozen=True, slots=True)
class MemorySearch:
    """Search hits, best first; `mode` says how they were found (`semantic` or `keyword`) and
    `note` why a semantic search fell back to keywords."""

    entries: list[MemoryEntry]
    mode: str
    embedder: str | None = None
    note: str | None = None


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def entry_from_body(body: dict[str, Any]) -> MemoryEntry:
    return MemoryEntry(
        id=body["id"],
        scope=body["scope"],
        content=body["content"],
        created_at=datetime.fromisoformat(body["created_at"]),
        updated_at=datetime.fromisoformat(body["updated_at"]),
        key=body.get("key"),
        category=body.get("category"),
        metadata=body.get("metadata") or {},
        importance=body.get("importance"),
        expires_at=_time(body.get("expires_at")),
        score=body.get("score"),
    )


def scope_path(scope: Scope) -> str:
    """A namespace (a path, or a sequence of labels) as the server's path."""
    return scope if isinstance(scope, str) else "/".join(scope)


def _given(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


class Memory:
    """`client.memory`: an agent's long-term memory on the server, scoped by namespace paths
    (`user/alice`, `("agent", "support")`)."""

    def __init__(self, client: Tracehouse) -> None:
        self._client = client

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return _request(self._client, method, PATH + path, **kwargs).json()

    def add(
        self,
        content: str,
        scope: Scope,
        *,
        key: str | None = None,
        category: str | None = None,
        metadata: dict[str, Any] | None = None,
        ttl: float | None = None,
        importance: float | None = None,
    ) -> MemoryEntry:
        """Store an entry; the same content (or `key`) in the scope updates that entry.
        `ttl`: seconds until it expires."""
        body = _given(
            content=content,
            scope=scope_path(scope),
            key=key,
            category=category,
            metadata=metadata,
            ttl=ttl,
            importance=importance,
        )
        return entry_from_body(self._call("POST", "", json=body))

    def get(self, memory_id: str) -> MemoryEntry | None:
        """The entry, or None when it does not exist (or expired)."""
        try:
            return entry_from_body(self._call("GET", f"/{memory_id}"))
        except ServerError as exc:
            if exc.status == 404:
                return None
            raise

    def get_by_key(self, scope: Scope, key: str) -> MemoryEntry | None:
        """The entry stored under `key` in exactly this scope, or None."""
        path = scope_path(scope)
        found = self.list(path, key=key, limit=200)
        return next((entry for entry in found if entry.scope == path), None)

    def update(self, memory_id: str, **fields: Any) -> MemoryEntry:
        """Change `content`, `category`, `metadata`, `importance` or `ttl` (None: permanent)."""
        return entry_from_body(self._call("PATCH", f"/{memory_id}", json=fields))

    def delete(self, memory_id: str) -> bool:
        """Forget an entry; False when there was none."""
        try:
            _request(self._client, "DELETE", f"{PATH}/{memory_id}")
        except ServerError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def list(
        self,
        scope: Scope | None = None,
        *,
        category: str | None = None,
        key: str | None = None,
        limit: int = 50,
    ) -> list[MemoryEntry]:
        """Up to `limit` entries of the scope and the scopes below it, newest change first."""
        params = _given(scope=None if scope is None else scope_path(scope), category=category)
        params.update(_given(key=key))
        entries: list[MemoryEntry] = []
        cursor: str | None = None
        while len(entries) < limit:
            page_params = {**params, "limit": min(200, limit - len(entries))}
            body = self._call("GET", "", params=_given(**page_params, cursor=cursor))
            entries.extend(entry_from_body(item) for item in body["data"])
            cursor = body["meta"]["next_cursor"]
            if not cursor:
                break
        return entries

    def scopes(
        self, prefix: Scope | None = None, *, limit: int = 1000
    ) -> builtins.list[tuple[str, int]]:
        """(scope, entries) of every scope holding live entries, in order."""
        params = _given(prefix=None if prefix is None else scope_path(prefix), limit=limit)
        return [
            (item["scope"], item["entries"])
            for item in self._call("GET", "/scopes", params=params)["data"]
        ]

    def search(
        self,
        query: str,
        scope: Scope | None = None,
        *,
        category: str | None = None,
        metadata: dict[str, Any] | None = None,
        limit: int = 10,
        min_score: float | None = None,
        mode: str = "auto",
    ) -> MemorySearch:
        """Entries of the scope (and below) nearest to `query`: semantic when the project has
        an embedder, else by keyword."""
        body = _given(
            query=query,
            scope=None if scope is None else scope_path(scope),
            category=category,
            metadata=metadata,
            limit=limit,
            min_score=min_score,
            mode=mode,
        )
        found = self._call("POST", "/search", json=body)
        return MemorySearch(
            entries=[entry_from_body(item) for item in found["data"]],
            mode=found["mode"],
            embedder=found.get("embedder"),
            note=found.get("note"),
        )
