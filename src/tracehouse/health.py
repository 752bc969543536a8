"""`GET /health` and `GET /`: liveness plus a database check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from tracehouse import __version__
from tracehouse.errors import Unavailable
from tracehouse.http.auth import RuntimeDep
from tracehouse.http.errors import error_responses

router = APIRouter(tags=["health"])


def check_database(rt: Any) -> None:
    """Raise `Unavailable` (503) when the database, or the ClickHouse holding the traces,
    does not answer."""
    try:
        with rt.db.reader.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise Unavailable("The database is not reachable.") from exc
    if rt.db.clickhouse is None:
        return
    try:
        rt.db.clickhouse.value("SELECT 1")
    except Exception as exc:
        raise Unavailable("The ClickHouse trace store is not reachable.") from exc


def _health(rt: Any) -> dict[str, Any]:
    check_database(rt)
    return {
        "status": "ok",
        "version": __version__,
        "database": "sqlite" if rt.db.is_sqlite else "postgresql",
        "traces": "relational" if rt.db.clickhouse is None else "clickhouse",
    }


@router.get("/health", responses=error_responses(Unavailable), summary="Health check")
def health(rt: RuntimeDep) -> dict[str, Any]:
    return _health(rt)


@router.get("/", responses=error_responses(Unavailable), summary="Health check (root)")
def root(rt: RuntimeDep) -> dict[str, Any]:
    return {**_health(rt), "message": "Tracehouse is running", "docs": "/docs"}
