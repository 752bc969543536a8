"""Small helpers for reading SQLAlchemy results."""

from __future__ import annotations

from sqlalchemy import CursorResult


def new_rowid(result: CursorResult[object]) -> int:
    """The integer primary key an `INSERT` just created."""
    key = result.inserted_primary_key
    assert key is not None, "INSERT did not report its primary key"
    return int(key[0])
