"""The rules of datasets and items: upsert by name or id, versions by time, archive, copy from
traces, bulk upload."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from tracehouse import jsontext
from tracehouse.audit import service as audit
from tracehouse.clock import now_us, to_us
from tracehouse.datasets import store
from tracehouse.datasets.schemas import DatasetIn, FromTraceIn, ItemIn, ItemPatch, ItemQuery
from tracehouse.errors import Conflict, InvalidRequest, NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.ids import new_id
from tracehouse.names import check_path_name
from tracehouse.runtime import Runtime
from tracehouse.traces import store as trace_store

#: Path words routes put after a dataset name; refused as later segments of a name.
RESERVED_SEGMENTS = frozenset({"items", "runs"})


@dataclass(frozen=True, slots=True)
class Item:
    """One version of an item, with the dataset it belongs to."""

    row: Any
    dataset: Any


def require_dataset(conn: Connection, scope: ProjectScope, name: str, *, lock: bool = False) -> Any:
    """The dataset `name` or a 404; `lock` serialises item writes on PostgreSQL."""
    found = store.find_dataset(conn, scope.project_rowid, name=name, lock=lock)
    if found is None:
        raise NotFound(f"Dataset not found: {name!r}.")
    return found


def get_dataset(rt: Runtime, scope: ProjectScope, name: str) -> tuple[Any, int]:
    """The dataset and its count of active items."""
    with rt.db.reader.connect() as conn:
        found = require_dataset(conn, scope, name)
        count = store.item_counts(conn, [found["dataset_rowid"]]).get(found["dataset_rowid"], 0)
    return found, count


def create_dataset(rt: Runtime, scope: ProjectScope, body: DatasetIn, *, upsert: bool) -> Any:
    """A new dataset; an existing name is a 409, or (Langfuse, `upsert`) is updated."""
    scope.require_write()
    check_path_name(body.name, RESERVED_SEGMENTS)
    now = now_us()
    values = {
        "description": body.description,
        "metadata": jsontext.dumps(body.metadata),
        "input_schema": jsontext.dumps(body.input_schema),
        "expected_output_schema": jsontext.dumps(body.expected_output_schema),
        "updated_at": now,
    }
    try:
        with rt.db.writer.begin() as conn:
            return _write_dataset(conn, scope, body, values, upsert=upsert)
    except IntegrityError as exc:  # created concurrently; a retry finds it
        raise Conflict(f"Dataset {body.name!r} was created concurrently; retry.") from exc


def _write_dataset(
    conn: Connection, scope: ProjectScope, body: DatasetIn, values: dict[str, Any], *, upsert: bool
) -> Any:
    found = store.find_dataset(conn, scope.project_rowid, name=body.name)
    if found is not None and not upsert:
        raise Conflict(f"Dataset {body.name!r} already exists.")
    shown = {"description": body.description}
    _audit(conn, scope, "dataset.update" if found else "dataset.create", body.name, after=shown)
    if found is not None:
        store.update_dataset(conn, found["dataset_rowid"], **values)
    else:
        store.insert_dataset(
            conn,
            {
                **values,
                "project_rowid": scope.project_rowid,
                "id": new_id(),
                "name": body.name,
                "created_at": values["updated_at"],
            },
        )
    return store.find_dataset(conn, scope.project_rowid, name=body.name)


def list_datasets(
    rt: Runtime, scope: ProjectScope, limit: int, offset: int
) -> tuple[list[tuple[Any, int]], int]:
    with rt.db.reader.connect() as conn:
        rows, total = store.list_datasets(conn, scope.project_rowid, limit, offset)
        counts = store.item_counts(conn, [r["dataset_rowid"] for r in rows])
    return [(row, counts.get(row["dataset_rowid"], 0)) for row in rows], total


def delete_dataset(rt: Runtime, scope: ProjectScope, name: str) -> None:
    scope.require_write()
    with rt.db.writer.begin() as conn:
        store.delete_dataset(conn, require_dataset(conn, scope, name)["dataset_rowid"])
        _audit(conn, scope, "dataset.delete", name)


def _audit(conn: Connection, scope: ProjectScope, action: str, name: str, **change: Any) -> None:
    audit.record(conn, action, ("dataset", name), project_rowid=scope.project_rowid, **change)


def upsert_items(
    rt: Runtime, scope: ProjectScope, name: str, items: Sequence[ItemIn]
) -> list[Item]:
    """Add items, or replace those whose id exists (each replacement is a new version)."""
    scope.require_write()
    with rt.db.writer.begin() as conn:
        dataset = require_dataset(conn, scope, name, lock=True)
        rows = [_write_item(conn, scope, dataset, item.model_dump()) for item in items]
        _audit(conn, scope, "dataset.items_upsert", name, after={"items": len(rows)})
    return [Item(row, dataset) for row in rows]


def _write_item(conn: Connection, scope: ProjectScope, dataset: Any, fields: dict[str, Any]) -> Any:
    item_id = fields.get("id") or new_id()
    now = now_us()
    current = store.current_item(conn, scope.project_rowid, item_id)
    created = now
    if current is not None:
        if current["dataset_rowid"] != dataset["dataset_rowid"]:
            raise InvalidRequest(f"Item {item_id!r} belongs to another dataset.")
        now = max(now, current["valid_from"] + 1)
        created = current["created_at"]
        store.close_item(conn, current["item_rowid"], now)
    values = {
        "project_rowid": scope.project_rowid,
        "dataset_rowid": dataset["dataset_rowid"],
        "id": item_id,
        "status": fields.get("status") or "ACTIVE",
        "input": jsontext.dumps(fields.get("input")),
        "expected_output": jsontext.dumps(fields.get("expected_output")),
        "metadata": jsontext.dumps(fields.get("metadata")),
        "source_trace_id": fields.get("source_trace_id"),
        "source_observation_id": fields.get("source_observation_id"),
        "created_at": created,
        "valid_from": now,
        "valid_to": None,
    }
    store.insert_item(conn, values)
    store.update_dataset(conn, dataset["dataset_rowid"], updated_at=now)
    return store.current_item(conn, scope.project_rowid, item_id)


def patch_item(rt: Runtime, scope: ProjectScope, name: str, item_id: str, patch: ItemPatch) -> Item:
    """Change some fields of an item (a new version); archive with `status: ARCHIVED`."""
    scope.require_write()
    with rt.db.writer.begin() as conn:
        dataset = require_dataset(conn, scope, name, lock=True)
        current = _current(conn, scope, dataset, item_id)
        fields = {
            "id": item_id,
            "input": jsontext.loads(current["input"]),
            "expected_output": jsontext.loads(current["expected_output"]),
            "metadata": jsontext.loads(current["metadata"]),
            "source_trace_id": current["source_trace_id"],
            "source_observation_id": current["source_observation_id"],
            "status": current["status"],
        }
        fields.update(patch.model_dump(exclude_unset=True))
        _audit(conn, scope, "dataset.item_update", name, after={"item_id": item_id})
        return Item(_write_item(conn, scope, dataset, fields), dataset)


def _current(conn: Connection, scope: ProjectScope, dataset: Any, item_id: str) -> Any:
    current = store.current_item(conn, scope.project_rowid, item_id)
    if current is None or (
        dataset is not None and current["dataset_rowid"] != dataset["dataset_rowid"]
    ):
        raise NotFound(f"Dataset item not found: {item_id!r}.")
    return current


def get_item(rt: Runtime, scope: ProjectScope, item_id: str) -> Item:
    with rt.db.reader.connect() as conn:
        current = _current(conn, scope, None, item_id)
        dataset = store.find_dataset_by_rowid(conn, current["dataset_rowid"])
    return Item(current, dataset)


def item_history(rt: Runtime, scope: ProjectScope, name: str, item_id: str) -> list[Item]:
    with rt.db.reader.connect() as conn:
        dataset = require_dataset(conn, scope, name)
        rows = [
            r
            for r in store.item_history(conn, scope.project_rowid, item_id)
            if r["dataset_rowid"] == dataset["dataset_rowid"]
        ]
    if not rows:
        raise NotFound(f"Dataset item not found: {item_id!r}.")
    return [Item(row, dataset) for row in rows]


def delete_item(rt: Runtime, scope: ProjectScope, item_id: str, name: str | None = None) -> None:
    """Close the item: it disappears now but stays in reads as of earlier times."""
    scope.require_write()
    with rt.db.writer.begin() as conn:
        dataset = require_dataset(conn, scope, name) if name is not None else None
        current = _current(conn, scope, dataset, item_id)
        store.close_item(conn, current["item_rowid"], max(now_us(), current["valid_from"] + 1))
        _audit(
            conn,
            scope,
            "dataset.item_delete",
            dataset["name"] if dataset else "",
            before={"item_id": item_id},
        )


def list_items(
    rt: Runtime,
    scope: ProjectScope,
    name: str | None,
    query: ItemQuery,
    source_trace_id: str | None = None,
    newest_first: bool = False,
) -> ItemPage:
    """Items of the dataset `name` (or of every dataset), now or as of `query.as_of`; oldest
    first, or newest first (Langfuse's order)."""
    statuses = ("ACTIVE", "ARCHIVED") if query.include_archived else ("ACTIVE",)
    with rt.db.reader.connect() as conn:
        if name is not None:
            chosen = [require_dataset(conn, scope, name)]
        else:
            chosen, _ = store.list_datasets(conn, scope.project_rowid, 1_000_000, 0)
        by_rowid = {d["dataset_rowid"]: d for d in chosen}
        rows, total = store.list_items(
            conn,
            list(by_rowid),
            at=to_us(query.as_of),
            statuses=statuses,
            limit=query.limit,
            offset=query.offset,
            source_trace_id=source_trace_id,
            newest_first=newest_first,
        )
    return ItemPage([Item(row, by_rowid[row["dataset_rowid"]]) for row in rows], total)


@dataclass(frozen=True, slots=True)
class ItemPage:
    items: list[Item]
    total: int


def item_from_trace(rt: Runtime, scope: ProjectScope, name: str, body: FromTraceIn) -> Item:
    """An item whose input and expected output come from a trace or an observation."""
    with rt.db.reader.connect() as conn:
        source = _source(conn, scope, body.trace_id, body.observation_id)
    expected = body.expected_output
    if expected is None:
        expected = jsontext.loads(source["output"])
    item = ItemIn(
        id=body.id,
        input=jsontext.loads(source["input"]),
        expected_output=expected,
        metadata=body.metadata,
        source_trace_id=body.trace_id,
        source_observation_id=body.observation_id,
    )
    return upsert_items(rt, scope, name, [item])[0]


def _source(
    conn: Connection, scope: ProjectScope, trace_id: str, observation_id: str | None
) -> Any:
    if observation_id is None:
        trace = trace_store.get_trace(conn, scope.project_rowid, trace_id)
        if trace is None:
            raise NotFound(f"No trace {trace_id!r}.")
        return trace
    for row in trace_store.trace_observations(conn, scope.project_rowid, trace_id):
        if row["id"] == observation_id:
            return row
    raise NotFound(f"No observation {observation_id!r} in trace {trace_id!r}.")
