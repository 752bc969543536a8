"""Per-project custom model prices (`/api/v1/models`): they override the built-in price table."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from tracehouse.audit import service as audit
from tracehouse.clock import now_us
from tracehouse.errors import NotFound, ValidationFailed
from tracehouse.ids import new_id
from tracehouse.pricing import patterns
from tracehouse.pricing.catalog import CustomPrice
from tracehouse.store.tables import model_prices

#: Seconds a process keeps a project's custom prices before reading them again. Changes made
#: through this process apply at once; other processes (PostgreSQL) see them within this time.
CACHE_SECONDS = 10.0

log = logging.getLogger(__name__)

_cache: dict[int, tuple[float, list[CustomPrice]]] = {}
_lock = threading.Lock()


def create_price(conn: Connection, project_rowid: int, fields: dict[str, Any]) -> Any:
    pattern = fields.get("match_pattern") or patterns.literal(fields["model_name"])
    try:
        patterns.compile_pattern(pattern)
    except ValueError as exc:
        detail = {"field": "match_pattern", "message": str(exc), "type": "pattern"}
        raise ValidationFailed(f"match_pattern is {exc}.", [detail]) from exc
    row = {
        **fields,
        "match_pattern": pattern,
        "id": new_id(),
        "project_rowid": project_rowid,
        "created_at": now_us(),
    }
    conn.execute(insert(model_prices).values(**row))
    invalidate(project_rowid)
    audit.record(
        conn, "price.create", ("price", row["id"]), project_rowid=project_rowid, after=fields
    )
    return row


def list_prices(conn: Connection, project_rowid: int) -> list[Any]:
    query = (
        select(model_prices)
        .where(model_prices.c.project_rowid == project_rowid)
        .order_by(model_prices.c.price_rowid)
    )
    return list(conn.execute(query).mappings())


def get_price(conn: Connection, project_rowid: int, price_id: str) -> Any:
    query = select(model_prices).where(
        model_prices.c.project_rowid == project_rowid, model_prices.c.id == price_id
    )
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"No model price {price_id!r}.")
    return row


def delete_price(conn: Connection, project_rowid: int, price_id: str) -> None:
    price = get_price(conn, project_rowid, price_id)
    conn.execute(delete(model_prices).where(model_prices.c.id == price_id))
    invalidate(project_rowid)
    before = {"model_name": price["model_name"], "match_pattern": price["match_pattern"]}
    audit.record(
        conn, "price.delete", ("price", price_id), project_rowid=project_rowid, before=before
    )


def custom_prices(conn: Connection, project_rowid: int) -> list[CustomPrice]:
    """The project's custom prices, newest first, cached briefly (read on every batch)."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(project_rowid)
    if cached is not None and cached[0] > now:
        return cached[1]
    rows = list_prices(conn, project_rowid)
    prices = [price for row in reversed(rows) if (price := _usable(row)) is not None]
    with _lock:
        _cache[project_rowid] = (now + CACHE_SECONDS, prices)
    return prices


def _usable(row: Any) -> CustomPrice | None:
    """The row as a price; None, logged, for a pattern that is refused now (the migration
    rewrote those stored before; a server of an older version may still save one)."""
    try:
        return CustomPrice(
            match_pattern=row["match_pattern"],
            input=row["input_price"],
            output=row["output_price"],
            cache_read=row["cache_read_price"],
            cache_write=row["cache_write_price"],
            reasoning=row["reasoning_price"],
            start_time=row["start_time"],
        )
    except ValueError as exc:
        log.warning("model price %s is not applied: %s", row["id"], exc)
        return None


def invalidate(project_rowid: int) -> None:
    with _lock:
        _cache.pop(project_rowid, None)
