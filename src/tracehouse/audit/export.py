"""Audit entries as the API shows them, and as streamed JSON or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import orjson

from tracehouse.clock import iso
from tracehouse.jsontext import loads

_CHUNK = 500
COLUMNS = (
    "id",
    "created_at",
    "organization_id",
    "project_id",
    "actor",
    "action",
    "target_type",
    "target_id",
    "summary",
    "address",
    "user_agent",
    "request_id",
    "prev_hash",
    "hash",
)


def render(row: Any, org_id: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "created_at": iso(row["created_at"]),
        "organization_id": org_id,
        "project_id": row["project_id"],
        "actor": row["actor"],
        "action": row["action"],
        "target_type": row["target_type"],
        "target_id": row["target_id"],
        "summary": loads(row["summary"]),
        "address": row["address"],
        "user_agent": row["user_agent"],
        "request_id": row["request_id"],
        "prev_hash": row["prev_hash"],
        "hash": row["hash"],
    }


def json_chunks(entries: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """A JSON array, sent `_CHUNK` entries a chunk."""
    opening, rows = b"[", iter(entries)
    while batch := list(islice(rows, _CHUNK)):
        yield opening + b",".join(orjson.dumps(entry) for entry in batch)
        opening = b","
    yield b"[]" if opening == b"[" else b"]"


def csv_chunks(entries: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """CSV with a header row; the summary as JSON text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for count, entry in enumerate(entries, 1):
        summary = orjson.dumps(entry["summary"]).decode()
        writer.writerow([summary if name == "summary" else entry[name] for name in COLUMNS])
        if count % _CHUNK == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode()
