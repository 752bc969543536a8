"""Parsing uploaded items: JSON Lines (one object per line) or CSV with a header row. Pure.

Recognised fields: `input`, `expected_output` (or `expectedOutput`), `metadata`, `id`. CSV
cells holding JSON (objects, arrays, numbers, quoted strings) are decoded; other cells stay text.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
from pydantic import ValidationError

from tracehouse.datasets.schemas import ItemIn
from tracehouse.errors import InvalidRequest, ValidationFailed

MAX_ITEMS = 10_000


def parse(content: bytes, content_type: str) -> list[ItemIn]:
    """Items from a JSONL or CSV body; every bad line is reported with its number."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidRequest("The upload is not UTF-8 text.") from exc
    kind = content_type.split(";")[0].strip().lower()
    if kind in ("text/csv", "application/csv"):
        rows = _csv_rows(text)
    elif kind in ("application/x-ndjson", "application/jsonl", "application/x-jsonlines"):
        rows = _jsonl_rows(text)
    else:
        raise InvalidRequest(
            "Upload JSON Lines (Content-Type: application/x-ndjson) or CSV (text/csv)."
        )
    if len(rows) > MAX_ITEMS:
        raise InvalidRequest(f"At most {MAX_ITEMS} items per upload.")
    return _items(rows)


def _jsonl_rows(text: str) -> list[tuple[int, Any]]:
    rows, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((number, orjson.loads(line)))
        except orjson.JSONDecodeError:
            errors.append({"field": f"line {number}", "message": "not valid JSON"})
    if errors:
        raise ValidationFailed(f"{len(errors)} lines are not valid JSON.", errors)
    return rows


def cell(value: str) -> Any:
    """JSON when the text is JSON, else the text itself (blank: None)."""
    if value == "":
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return value


def _csv_rows(text: str) -> list[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "input" not in reader.fieldnames:
        raise ValidationFailed(
            "The CSV header needs an `input` column.", [{"field": "line 1", "message": "header"}]
        )
    return [
        (number, {key: cell(value or "") for key, value in row.items() if key})
        for number, row in enumerate(reader, start=2)
    ]


def _items(rows: list[tuple[int, Any]]) -> list[ItemIn]:
    items, errors = [], []
    for number, row in rows:
        if not isinstance(row, dict) or row.get("input") is None:
            errors.append({"field": f"line {number}", "message": "an object with `input`"})
            continue
        if isinstance(row.get("id"), int):
            row["id"] = str(row["id"])
        try:
            items.append(ItemIn.model_validate(row))
        except ValidationError as exc:
            errors.append({"field": f"line {number}", "message": str(exc.errors()[0]["msg"])})
    if errors:
        raise ValidationFailed(f"{len(errors)} lines are not valid items.", errors)
    return items
