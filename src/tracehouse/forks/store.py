"""SQL for forks and their replays."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from tracehouse.http.pagination import PageParams, paginate
from tracehouse.store.tables import fork_replays, forks

_LISTED = [c for c in forks.c if c.name != "prefix"]


def insert_fork(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(forks).values(**values))


def find_fork(conn: Connection, project_rowid: int, fork_id: str) -> Any:
    query = select(forks).where(forks.c.project_rowid == project_rowid, forks.c.id == fork_id)
    return conn.execute(query).mappings().first()


def list_forks(
    conn: Connection, project_rowid: int, trace_id: str | None, page: PageParams
) -> tuple[list[Any], int]:
    """A page of the project's forks (of one trace when given), newest first; and the total."""
    where = [forks.c.project_rowid == project_rowid]
    if trace_id is not None:
        where.append(forks.c.trace_id == trace_id)
    query = paginate(select(*_LISTED).where(*where), [forks.c.created_at, forks.c.fork_rowid], page)
    total = conn.execute(select(func.count()).select_from(forks).where(*where)).scalar_one()
    return list(conn.execute(query).mappings()), int(total)


def delete_fork(conn: Connection, fork_rowid: int) -> None:
    conn.execute(delete(fork_replays).where(fork_replays.c.fork_rowid == fork_rowid))
    conn.execute(delete(forks).where(forks.c.fork_rowid == fork_rowid))


def insert_replay(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(fork_replays).values(**values))


def latest_replay(conn: Connection, fork_rowid: int, *, with_trace: bool = False) -> Any:
    """The fork's newest replay (with a trace written, when `with_trace`), or None."""
    query = select(fork_replays).where(fork_replays.c.fork_rowid == fork_rowid)
    if with_trace:
        query = query.where(fork_replays.c.trace_id.is_not(None))
    query = query.order_by(fork_replays.c.created_at.desc(), fork_replays.c.replay_rowid.desc())
    return conn.execute(query.limit(1)).mappings().first()


def update_replay(conn: Connection, replay_rowid: int, values: dict[str, Any]) -> None:
    query = update(fork_replays).where(fork_replays.c.replay_rowid == replay_rowid)
    conn.execute(query.values(**values))


def find_replay(conn: Connection, project_rowid: int, replay_id: str) -> Any:
    """The replay (with its fork's id) if its fork is in the project."""
    query = (
        select(fork_replays, forks.c.id.label("fork_id"))
        .join(forks, forks.c.fork_rowid == fork_replays.c.fork_rowid)
        .where(forks.c.project_rowid == project_rowid, fork_replays.c.id == replay_id)
    )
    return conn.execute(query).mappings().first()


def list_replays(conn: Connection, fork_rowid: int, page: PageParams) -> tuple[list[Any], int]:
    """A page of the fork's replays, newest first; and the total."""
    where = fork_replays.c.fork_rowid == fork_rowid
    order = [fork_replays.c.created_at, fork_replays.c.replay_rowid]
    query = paginate(select(fork_replays).where(where), order, page)
    total = conn.execute(select(func.count()).select_from(fork_replays).where(where)).scalar_one()
    return list(conn.execute(query).mappings()), int(total)
