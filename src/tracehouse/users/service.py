"""Users and login tokens (the admin login token authorises management endpoints)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import Connection

from tracehouse.clock import now_us
from tracehouse.errors import Conflict, Unauthorized
from tracehouse.ids import new_id
from tracehouse.users import store
from tracehouse.users.passwords import hash_password, verify_password


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    conn: Connection, email: str, password: str, *, name: str | None = None, is_admin: bool = False
) -> dict[str, Any]:
    email = email.strip().lower()
    if store.find_user(conn, email) is not None:
        raise Conflict(f"A user with e-mail {email!r} already exists.")
    values = {
        "id": new_id(),
        "email": email,
        "name": name,
        "password_hash": hash_password(password),
        "is_admin": is_admin,
        "created_at": now_us(),
    }
    values["user_rowid"] = store.insert_user(conn, values)
    return values


def login(conn: Connection, email: str, password: str, hours: int) -> tuple[str, int, Any]:
    """Check a password; return a new login token, its expiry (epoch µs) and the user."""
    user = store.find_user(conn, email.strip().lower())
    if user is None or not verify_password(password, user["password_hash"]):
        raise Unauthorized("Wrong e-mail or password.")
    token = "tht_" + secrets.token_urlsafe(32)
    now = now_us()
    expires = now + hours * 3_600_000_000
    store.insert_token(
        conn,
        {
            "token_hash": token_hash(token),
            "user_rowid": user["user_rowid"],
            "created_at": now,
            "expires_at": expires,
        },
    )
    return token, expires, user


def user_for_token(conn: Connection, token: str) -> Any:
    return store.user_by_token(conn, token_hash(token), now_us())


def logout(conn: Connection, token: str) -> None:
    store.delete_token(conn, token_hash(token))
