"""SQL for users, login tokens and failed logins."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from tracehouse.store.results import new_rowid
from tracehouse.store.tables import login_failures as login_failures_table
from tracehouse.store.tables import login_tokens, users


def insert_user(conn: Connection, values: dict[str, Any]) -> int:
    return new_rowid(conn.execute(insert(users).values(**values)))


def find_user(conn: Connection, email: str) -> Any:
    return conn.execute(select(users).where(users.c.email == email)).mappings().first()


def user_by_rowid(conn: Connection, user_rowid: int) -> Any:
    return conn.execute(select(users).where(users.c.user_rowid == user_rowid)).mappings().one()


def update_user(conn: Connection, user_rowid: int, values: dict[str, Any]) -> None:
    conn.execute(update(users).where(users.c.user_rowid == user_rowid).values(**values))


def count_users(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(users)).scalar_one())


def insert_token(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(login_tokens).values(**values))


def user_by_token(conn: Connection, token_hash: str, now: int) -> Any:
    query = (
        select(users)
        .join(login_tokens)
        .where(login_tokens.c.token_hash == token_hash, login_tokens.c.expires_at > now)
    )
    return conn.execute(query).mappings().first()


def delete_token(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(login_tokens).where(login_tokens.c.token_hash == token_hash))


def delete_tokens_of(conn: Connection, user_rowid: int, keep: str | None = None) -> None:
    """End every login token of a user, but the one hashing to `keep`."""
    query = delete(login_tokens).where(login_tokens.c.user_rowid == user_rowid)
    if keep is not None:
        query = query.where(login_tokens.c.token_hash != keep)
    conn.execute(query)


def login_failures(conn: Connection, keys: list[str], since: int) -> list[tuple[str, int, int]]:
    """(key, failures, failed_at) of the keys that failed after `since`."""
    query = select(
        login_failures_table.c.throttle_key,
        login_failures_table.c.failures,
        login_failures_table.c.failed_at,
    ).where(login_failures_table.c.throttle_key.in_(keys), login_failures_table.c.failed_at > since)
    return [(row[0], row[1], row[2]) for row in conn.execute(query)]


def add_login_failure(conn: Connection, key: str, now: int, forget_before: int) -> None:
    """One more failure of `key` (PostgreSQL); a count last failed before `forget_before`
    starts again at 1."""
    table = login_failures_table
    statement = pg_insert(table).values(throttle_key=key, failures=1, failed_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.throttle_key],
        set_={
            "failures": case((table.c.failed_at <= forget_before, 1), else_=table.c.failures + 1),
            "failed_at": now,
        },
    )
    conn.execute(statement)


def clear_login_failures(conn: Connection, key: str) -> None:
    conn.execute(delete(login_failures_table).where(login_failures_table.c.throttle_key == key))
