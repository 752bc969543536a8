"""The streamed export bodies parse whole at any size (chunk boundaries included)."""

from __future__ import annotations

import csv
import io

import orjson
import pytest

from tracehouse.audit import export


@pytest.mark.parametrize("count", [0, 1, 500, 1001])
def test_json_and_csv_bodies_hold_every_entry(count: int) -> None:
    entries = [
        {name: f"v{n}" for name in export.COLUMNS} | {"summary": {"n": n}} for n in range(count)
    ]
    body = b"".join(export.json_chunks(entries))
    assert orjson.loads(body) == entries
    rows = list(csv.DictReader(io.StringIO(b"".join(export.csv_chunks(entries)).decode())))
    assert [orjson.loads(r["summary"]) for r in rows] == [{"n": n} for n in range(count)]
