"""Experiments from spans: the Langfuse SDK reports a dataset run only as
`langfuse.experiment.*` span attributes; each such span links its dataset item to its trace.

Called inside the ingest transaction; a failure here is logged and never fails the batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from tracehouse import jsontext
from tracehouse.datasets import run_store, store
from tracehouse.ids import new_id

log = logging.getLogger(__name__)
_PREFIX = "langfuse.experiment."


def _links(
    spans: Iterable[tuple[str, dict[str, Any] | None]],
) -> dict[tuple[str, str], dict[str, Any]]:
    """{(run id, item id): the span attributes of one span of that item}, per batch."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for trace_id, attrs in spans:
        if not attrs or not attrs.get(_PREFIX + "dataset.id"):
            continue
        run, item = attrs.get(_PREFIX + "id"), attrs.get(_PREFIX + "item.id")
        if isinstance(run, str) and isinstance(item, str):
            found.setdefault((run, item), {**attrs, "trace_id": trace_id})
    return found


def marked(attributes_json: str | None) -> dict[str, Any] | None:
    """Span attributes stored as JSON text, decoded only when they mark an experiment span."""
    if attributes_json is None or _PREFIX not in attributes_json:
        return None
    value = jsontext.loads(attributes_json)
    return value if isinstance(value, dict) else None


def _metadata(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return jsontext.loads(value)
        except ValueError:
            return value
    return value


def link_spans(
    conn: Connection,
    project_rowid: int,
    spans: Iterable[tuple[str, dict[str, Any] | None]],
    now: int,
) -> None:
    """Link the experiment spans among `spans` ((trace id, attributes) pairs) to their runs."""
    links = _links(spans)
    if not links:
        return
    for attempt in range(2):  # a run created concurrently by another server: once more
        try:
            with conn.begin_nested():
                for (run_id, item_id), attrs in links.items():
                    _link(conn, project_rowid, run_id, item_id, attrs, now)
            return
        except IntegrityError:
            if attempt:
                log.exception("could not link experiment spans to dataset runs")
        except Exception:  # an experiment link must never cost the spans themselves
            log.exception("could not link experiment spans to dataset runs")
            return


def _link(
    conn: Connection,
    project_rowid: int,
    run_id: str,
    item_id: str,
    attrs: dict[str, Any],
    now: int,
) -> None:
    dataset = store.find_dataset(conn, project_rowid, id=str(attrs[_PREFIX + "dataset.id"]))
    if dataset is None:
        return
    run = run_store.find_run(conn, project_rowid, id=run_id)
    if run is None:
        run = _create_run(conn, project_rowid, dataset, run_id, attrs, now)
    values = {
        "id": new_id(),
        "dataset_item_id": item_id,
        "trace_id": attrs["trace_id"],
        "observation_id": attrs.get(_PREFIX + "item.root_observation_id"),
    }
    run_store.upsert_run_item(conn, run["run_rowid"], values, now)


def _create_run(
    conn: Connection, project_rowid: int, dataset: Any, run_id: str, attrs: dict[str, Any], now: int
) -> Any:
    name = str(attrs.get(_PREFIX + "name") or run_id)
    existing = run_store.find_run(
        conn, project_rowid, dataset_rowid=dataset["dataset_rowid"], name=name
    )
    if existing is not None:  # same name, another id (a random SDK id): keep one run per name
        return existing
    run_store.insert_run(
        conn,
        {
            "project_rowid": project_rowid,
            "dataset_rowid": dataset["dataset_rowid"],
            "id": run_id,
            "name": name,
            "description": attrs.get(_PREFIX + "description"),
            "metadata": jsontext.dumps(_metadata(attrs.get(_PREFIX + "metadata"))),
            "created_at": now,
            "updated_at": now,
        },
    )
    return run_store.find_run(conn, project_rowid, id=run_id)
