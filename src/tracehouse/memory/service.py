"""The rules of memory entries: one entry per content (or key) in a scope, a time to live,
vectors written beside the content when the project has an embedder, and project scoping."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from sqlalchemy.exc import IntegrityError

from tracehouse import jsontext
from tracehouse.clock import iso, now_us
from tracehouse.embeddings.vectors import pack
from tracehouse.errors import Conflict, NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.ids import new_id
from tracehouse.memory import store, vectors
from tracehouse.memory.schemas import MemoryFilters, MemoryIn, MemoryPatch, ScopeQuery
from tracehouse.runtime import Runtime

_US = 1_000_000


def render(row: Any, score: float | None = None) -> dict[str, Any]:
    out = {
        "id": row["id"],
        "scope": row["scope"],
        "namespace": row["scope"].split("/"),
        "key": row["key"],
        "category": row["category"],
        "content": row["content"],
        "metadata": jsontext.loads(row["metadata"]) or {},
        "importance": row["importance"],
        "expires_at": iso(row["expires_at"]),
        "is_test": bool(row["is_test"]),
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }
    if score is not None:
        out["score"] = round(score, 6)
    return out


def dedupe_key(content: str, key: str | None) -> str:
    """`key:<key>` for a keyed entry, else the hash of its content (whitespace-trimmed)."""
    if key is not None:
        return f"key:{key}"
    return "sha:" + hashlib.sha256(content.strip().encode()).hexdigest()


def _expiry(ttl: float | None, now: int) -> int | None:
    return None if ttl is None else now + int(ttl * _US)


def _values(body: MemoryPatch, fields: set[str], now: int) -> dict[str, Any]:
    """Column values of the fields the body sets."""
    values: dict[str, Any] = {"updated_at": now}
    for name in fields & {"content", "category", "importance"}:
        values[name] = getattr(body, name)
    if "metadata" in fields:
        values["metadata"] = jsontext.dumps(body.metadata or {})
    if "ttl" in fields:
        values["expires_at"] = _expiry(body.ttl, now)
    return values


async def _vector(rt: Runtime, scope: ProjectScope, content: str) -> Any:
    """The content's (embedder, vector), or None."""
    return await vectors.vector_of(rt, scope.project_rowid, content)


def _with_vector(conn: Any, scope: ProjectScope, values: dict[str, Any], found: Any) -> None:
    if found is not None:
        embedder, matrix = found
        vectors.note_model(conn, scope.project_rowid, embedder, matrix)
        values["embedding"] = pack(matrix[0])


async def create(rt: Runtime, scope: ProjectScope, body: MemoryIn) -> tuple[dict[str, Any], bool]:
    """(the entry, whether it is new): an entry with the same content (or key) in the scope is
    updated instead."""
    scope.require_write()
    found = await _vector(rt, scope, body.content)
    return await asyncio.to_thread(_upsert, rt, scope, body, found)


def _upsert(
    rt: Runtime, scope: ProjectScope, body: MemoryIn, found: Any
) -> tuple[dict[str, Any], bool]:
    now = now_us()
    dedupe = dedupe_key(body.content, body.key)
    values = _values(body, {"content", "category", "importance", "metadata", "ttl"}, now)
    for attempt in (1, 2):  # a concurrent insert of the same entry: update it instead
        try:
            with rt.db.writer.begin() as conn:
                _with_vector(conn, scope, values, found)
                row = store.find_dedupe(conn, scope.project_rowid, body.scope, dedupe)
                if row is not None:
                    store.update_entry(conn, row["memory_rowid"], values)
                    return _reload(conn, scope, row["id"], now), False
                memory_id = new_id()
                store.insert_entry(
                    conn,
                    {
                        **values,
                        "id": memory_id,
                        "project_rowid": scope.project_rowid,
                        "scope": body.scope,
                        "dedupe_key": dedupe,
                        "key": body.key,
                        "is_test": scope.is_test,
                        "created_at": now,
                    },
                )
                return _reload(conn, scope, memory_id, now), True
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _reload(conn: Any, scope: ProjectScope, memory_id: str, now: int) -> dict[str, Any]:
    return render(store.find(conn, scope.project_rowid, memory_id, now - 1))


def _require(conn: Any, scope: ProjectScope, memory_id: str, now: int) -> Any:
    row = store.find(conn, scope.project_rowid, memory_id, now)
    if row is None:
        raise NotFound(f"Memory entry not found: {memory_id!r}.")
    return row


def get(rt: Runtime, scope: ProjectScope, memory_id: str) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        return render(_require(conn, scope, memory_id, now_us()))


async def update(
    rt: Runtime, scope: ProjectScope, memory_id: str, body: MemoryPatch
) -> dict[str, Any]:
    """Change the fields given; new content gets a new vector (and, unkeyed, a new dedupe key:
    409 when another entry of the scope holds that content already)."""
    scope.require_write()
    fields = set(body.model_fields_set)
    found = await _vector(rt, scope, body.content) if body.content is not None else None
    return await asyncio.to_thread(_apply_update, rt, scope, memory_id, body, fields, found)


def _apply_update(
    rt: Runtime,
    scope: ProjectScope,
    memory_id: str,
    body: MemoryPatch,
    fields: set[str],
    found: Any,
) -> dict[str, Any]:
    now = now_us()
    if body.content is None:
        fields.discard("content")
    values = _values(body, fields, now)
    try:
        with rt.db.writer.begin() as conn:
            row = _require(conn, scope, memory_id, now)
            if "content" in fields:
                values["dedupe_key"] = dedupe_key(str(body.content), row["key"])
                values["embedding"] = None
                _with_vector(conn, scope, values, found)
            store.update_entry(conn, row["memory_rowid"], values)
            return _reload(conn, scope, memory_id, now)
    except IntegrityError as exc:
        raise Conflict("Another entry of this scope holds that content already.") from exc


def delete(rt: Runtime, scope: ProjectScope, memory_id: str) -> None:
    scope.require_write()
    with rt.db.writer.begin() as conn:
        store.delete_entry(conn, _require(conn, scope, memory_id, now_us())["memory_rowid"])


def list_entries(
    rt: Runtime, scope: ProjectScope, filters: MemoryFilters, page: PageParams
) -> dict[str, Any]:
    """Entries (most recently changed first) of a scope and the scopes below it."""
    where = store.conditions(scope.project_rowid, now_us(), filters.scope, filters.category)
    if filters.key is not None:
        where.append(store.m.key == filters.key)
    with rt.db.reader.connect() as conn:
        rows, total = store.page(conn, where, page)
    return page_body(
        rows, page, total, render, lambda row: (row["updated_at"], row["memory_rowid"])
    )


def scopes(rt: Runtime, scope: ProjectScope, query: ScopeQuery) -> dict[str, Any]:
    """The scopes holding live entries, in order, with how many each holds."""
    where = store.conditions(scope.project_rowid, now_us(), query.prefix, None)
    with rt.db.reader.connect() as conn:
        rows = store.scopes(conn, where, query.limit + 1, query.offset)
    data = [{"scope": path, "namespace": path.split("/"), "entries": n} for path, n in rows]
    return {"data": data[: query.limit], "meta": {"has_more": len(data) > query.limit}}
