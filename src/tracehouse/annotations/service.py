"""Annotation queues: traces waiting for a person's score; completing an item writes a score
with `source = annotation` through the ingest pipeline."""

from __future__ import annotations

import math
from typing import Any

from tracehouse import jsontext
from tracehouse.annotations import store
from tracehouse.annotations.schemas import AnnotationIn, QueueIn, QueueItemIn
from tracehouse.clock import iso, now_us
from tracehouse.errors import Conflict, InvalidRequest, NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.http.crud import Resource
from tracehouse.ids import new_id
from tracehouse.ingest.service import ingest
from tracehouse.records import Batch, ScoreRecord
from tracehouse.runtime import Runtime


def render_queue(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "score_config": jsontext.loads(row["score_config"]),
        "created_at": iso(row["created_at"]),
    }


def render_item(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "trace_id": row["trace_id"],
        "observation_id": row["observation_id"],
        "status": row["status"],
        "score_id": row["score_id"],
        "completed_by": row["completed_by"],
        "created_at": iso(row["created_at"]),
        "completed_at": iso(row["completed_at"]),
    }


QUEUES = Resource("annotation queue", store.QUEUES, render_queue)


def require_queue(rt: Runtime, project_rowid: int, ref: str) -> Any:
    return QUEUES.require(rt, project_rowid, ref)


def create_queue(rt: Runtime, scope: ProjectScope, body: QueueIn) -> dict[str, Any]:
    scope.require_write()
    now = now_us()
    return QUEUES.create(
        rt,
        {
            "id": new_id(),
            "project_rowid": scope.project_rowid,
            "name": body.name,
            "description": body.description,
            "score_config": jsontext.dumps(body.score_config.model_dump()),
            "created_at": now,
            "updated_at": now,
        },
    )


def list_queues(rt: Runtime, scope: ProjectScope) -> dict[str, Any]:
    return QUEUES.page(rt, scope.project_rowid)


def score_configs(rt: Runtime, scope: ProjectScope) -> list[dict[str, Any]]:
    """The project's score configs (those of its annotation queues), one per score name, the
    newest queue's first."""
    found: dict[str, dict[str, Any]] = {}
    for queue in list_queues(rt, scope)["data"]:
        found.setdefault(queue["score_config"]["name"], queue["score_config"])
    return sorted(found.values(), key=lambda c: str(c["name"]))


def enqueue(
    rt: Runtime, scope: ProjectScope, ref: str, trace_id: str, observation_id: str | None
) -> dict[str, Any]:
    """Add a trace to the queue; a trace already there keeps its item."""
    queue = require_queue(rt, scope.project_rowid, ref)
    with rt.db.writer.begin() as conn:
        found = store.find_item(conn, queue["queue_rowid"], trace_id)
        if found is None:
            values: dict[str, Any] = {
                "id": new_id(),
                "queue_rowid": queue["queue_rowid"],
                "trace_id": trace_id,
                "observation_id": observation_id,
                "status": "pending",
                "created_at": now_us(),
            }
            store.insert_item(conn, values)
            found = store.find_item(conn, queue["queue_rowid"], trace_id)
    return render_item(found)


def add_item(rt: Runtime, scope: ProjectScope, ref: str, body: QueueItemIn) -> dict[str, Any]:
    scope.require_write()
    return enqueue(rt, scope, ref, body.trace_id, body.observation_id)


def list_items(rt: Runtime, scope: ProjectScope, ref: str, status: str | None) -> dict[str, Any]:
    queue = require_queue(rt, scope.project_rowid, ref)
    with rt.db.reader.connect() as conn:
        rows = store.items(conn, queue["queue_rowid"], status)
    meta = {"total_count": len(rows), "has_more": False, "next_cursor": None}
    return {"data": [render_item(r) for r in rows], "meta": meta}


def typed_value(config: dict[str, Any], value: Any) -> tuple[float | None, str | None]:
    kind = config["data_type"]
    if kind == "CATEGORICAL":
        if str(value) not in config["categories"]:
            raise InvalidRequest(f"value must be one of {config['categories']}", {"field": "value"})
        return None, str(value)
    if kind == "BOOLEAN":
        if not isinstance(value, bool):
            raise InvalidRequest("value must be true or false", {"field": "value"})
        return float(value), None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidRequest("value must be a finite number", {"field": "value"})
    low, high = config.get("min"), config.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidRequest(f"value must be within [{low}, {high}]", {"field": "value"})
    return float(value), None


async def complete(
    rt: Runtime, scope: ProjectScope, ref: str, item_id: str, body: AnnotationIn
) -> dict[str, Any]:
    scope.require_write()
    queue = require_queue(rt, scope.project_rowid, ref)
    config = jsontext.loads(queue["score_config"])
    value, string_value = typed_value(config, body.value)
    with rt.db.reader.connect() as conn:
        item = store.item_by_id(conn, queue["queue_rowid"], item_id)
    if item is None:
        raise NotFound(f"No item {item_id!r} in this queue.")
    if item["status"] != "pending":
        raise Conflict("This item is already annotated.")
    score = ScoreRecord(
        id=new_id(),
        name=config["name"],
        data_type=config["data_type"],
        value=value,
        string_value=string_value,
        source="annotation",
        trace_id=item["trace_id"],
        observation_id=item["observation_id"],
        comment=body.comment,
        author=body.author,
        metadata={"annotation_queue_id": queue["id"], "annotation_item_id": item["id"]},
    )
    with rt.db.writer.begin() as conn:
        done = store.complete_item(
            conn,
            item["item_rowid"],
            {"score_id": score.id, "completed_by": body.author, "completed_at": now_us()},
        )
    if not done:
        raise Conflict("This item is already annotated.")
    await ingest(rt, scope, Batch(scores=[score]))
    with rt.db.reader.connect() as conn:
        return render_item(store.item_by_id(conn, queue["queue_rowid"], item_id))
