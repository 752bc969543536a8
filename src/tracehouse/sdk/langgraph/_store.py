"""LangGraph's `BaseStore` on Tracehouse memory: `graph.compile(store=TracehouseStore())` keeps
an agent's long-term memory on the server, shared by every thread, process and deployment.

A namespace is a memory scope (`("user", "alice")` is `user/alice`), an item's key the entry's
key and its value the entry's metadata; the text searched (semantically when the project has an
embedder) is the value's fields as `name: value` lines, or only the `index` fields given.
Needs the `langgraph` package."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)

from tracehouse.sdk._client import Tracehouse, get_client
from tracehouse.sdk._memory import MemoryEntry

__all__ = ["TracehouseStore"]

#: Most hits the server returns for one search.
_MAX_SEARCH = 100
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": lambda a, b: a == b,
    "$ne": lambda a, b: a != b,
    "$gt": lambda a, b: a is not None and a > b,
    "$gte": lambda a, b: a is not None and a >= b,
    "$lt": lambda a, b: a is not None and a < b,
    "$lte": lambda a, b: a is not None and a <= b,
}


def _text(value: Mapping[str, Any], fields: list[str] | None) -> str:
    """The text of a value that memory search reads."""
    names = [name for name in (fields or list(value)) if name in value]
    lines = [
        f"{name}: {item if isinstance(item, str) else json.dumps(item, default=str)}"
        for name, item in ((name, value[name]) for name in names)
    ]
    return "\n".join(lines) or json.dumps(value, default=str) or "{}"


def _matches(value: Mapping[str, Any], conditions: dict[str, Any] | None) -> bool:
    for name, wanted in (conditions or {}).items():
        if isinstance(wanted, dict) and wanted and all(op in _OPERATORS for op in wanted):
            if not all(_OPERATORS[op](value.get(name), arg) for op, arg in wanted.items()):
                return False
        elif value.get(name) != wanted:
            return False
    return True


def _exact(conditions: dict[str, Any] | None) -> dict[str, Any] | None:
    """The conditions the server checks itself (plain equality)."""
    plain = {k: v for k, v in (conditions or {}).items() if not isinstance(v, dict)}
    return plain or None


def _namespace_matches(namespace: tuple[str, ...], condition: MatchCondition) -> bool:
    path = tuple(condition.path)
    if len(namespace) < len(path):
        return False
    part = namespace[: len(path)] if condition.match_type == "prefix" else namespace[-len(path) :]
    return all(want == "*" or have == want for have, want in zip(part, path, strict=True))


def _fields(entry: MemoryEntry) -> dict[str, Any]:
    return {
        "namespace": entry.namespace,
        "key": entry.key or entry.id,
        "value": entry.metadata,
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
    }


def _item(entry: MemoryEntry) -> Item:
    return Item(**_fields(entry))


def _hit(entry: MemoryEntry) -> SearchItem:
    return SearchItem(**_fields(entry), score=entry.score)


class TracehouseStore(BaseStore):
    """A LangGraph store over the memory API of one Tracehouse project. `index_fields`: the
    value fields that are searched (default: all). TTLs are honoured (in minutes, as LangGraph
    gives them); reads do not extend them."""

    supports_ttl = True

    def __init__(
        self, client: Tracehouse | None = None, *, index_fields: list[str] | None = None
    ) -> None:
        self._client = client
        self.index_fields = index_fields

    @property
    def memory(self) -> Any:
        return (self._client or get_client()).memory

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        return [self._run(op) for op in ops]

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return await asyncio.to_thread(self.batch, list(ops))

    def _run(self, op: Op) -> Result:
        if isinstance(op, GetOp):
            entry = self.memory.get_by_key(op.namespace, op.key)
            return None if entry is None else _item(entry)
        if isinstance(op, PutOp):
            self._put(op)
            return None
        if isinstance(op, SearchOp):
            return self._search(op)
        if isinstance(op, ListNamespacesOp):
            return self._namespaces(op)
        raise ValueError(f"Unknown operation: {type(op).__name__}")

    def _put(self, op: PutOp) -> None:
        if op.value is None:
            entry = self.memory.get_by_key(op.namespace, op.key)
            if entry is not None:
                self.memory.delete(entry.id)
            return
        fields = op.index if isinstance(op.index, list) else self.index_fields
        ttl = None if op.ttl is None else float(op.ttl) * 60
        self.memory.add(
            _text(op.value, fields), op.namespace, key=op.key, metadata=op.value, ttl=ttl
        )

    def _search(self, op: SearchOp) -> list[SearchItem]:
        scope = op.namespace_prefix or None
        wanted = op.offset + op.limit
        if op.query:
            found = self.memory.search(
                op.query, scope, metadata=_exact(op.filter), limit=min(wanted, _MAX_SEARCH)
            ).entries
        else:
            found = self.memory.list(scope, limit=max(wanted, 1) * 4 if op.filter else wanted)
        kept = [entry for entry in found if _matches(entry.metadata, op.filter)]
        return [_hit(entry) for entry in kept[op.offset : wanted]]

    def _namespaces(self, op: ListNamespacesOp) -> list[tuple[str, ...]]:
        found: set[tuple[str, ...]] = set()
        for scope, _ in self.memory.scopes():
            namespace = tuple(scope.split("/"))
            if all(_namespace_matches(namespace, c) for c in op.match_conditions or ()):
                found.add(namespace[: op.max_depth] if op.max_depth else namespace)
        return sorted(found)[op.offset : op.offset + op.limit]
