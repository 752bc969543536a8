"""SQL for users and login tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from tracehouse.store.results import new_rowid
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
