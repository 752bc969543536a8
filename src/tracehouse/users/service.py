"""Users and login tokens (the admin login token authorises management endpoints)."""

from __future__ import annotations

import contextvars
import hashlib
import secrets
from typing import Any

from sqlalchemy import Connection

from tracehouse.audit import context as audit_context
from tracehouse.audit import service as audit
from tracehouse.clock import now_us
from tracehouse.errors import Conflict, Forbidden, NotFound, Unauthorized
from tracehouse.ids import new_id
from tracehouse.projects import store as project_store
from tracehouse.runtime import Runtime
from tracehouse.users import store
from tracehouse.users.passwords import check as check_password
from tracehouse.users.passwords import hash_password


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
    audit.record(conn, "user.create", ("user", email), after={"name": name, "is_admin": is_admin})
    return values


def update_profile(
    conn: Connection, user: Any, changes: dict[str, Any], token: str | None = None
) -> Any:
    """Change a user's name, e-mail or password (which needs the current one, and ends every
    other login token of the user: the one in use, `token`, stays)."""
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = changes["name"]
    if changes.get("email"):
        values["email"] = _free_email(conn, changes["email"], user["user_rowid"])
    if changes.get("password"):
        current = changes.get("current_password") or ""
        if not check_password(current, user["password_hash"]):
            raise Forbidden("current_password is missing or wrong.")
        values["password_hash"] = hash_password(changes["password"])
        store.delete_tokens_of(conn, user["user_rowid"], token_hash(token) if token else None)
    if values:
        store.update_user(conn, user["user_rowid"], values)
        shown: dict[str, Any] = {k: values[k] for k in ("name", "email") if k in values}
        changed = sorted(name.removesuffix("_hash") for name in values)
        after = {**shown, "changed": changed}
        _audit_person(conn, "user.update", user["email"], user, after=after)
    return store.user_by_rowid(conn, user["user_rowid"])


def _free_email(conn: Connection, email: str, user_rowid: int) -> str:
    email = email.strip().lower()
    other = store.find_user(conn, email)
    if other is not None and other["user_rowid"] != user_rowid:
        raise Conflict(f"A user with e-mail {email!r} already exists.")
    return email


def reset_password(conn: Connection, email: str, password: str) -> Any:
    """Set a user's password without the old one (the `users reset-password` command) and end
    all of the user's login tokens."""
    user = store.find_user(conn, email.strip().lower())
    if user is None:
        raise NotFound(f"No user {email!r}.")
    store.update_user(conn, user["user_rowid"], {"password_hash": hash_password(password)})
    store.delete_tokens_of(conn, user["user_rowid"])
    _audit_person(conn, "user.password_reset", user["email"], user)
    return user


async def login(rt: Runtime, email: str, password: str, address: str) -> tuple[str, int, Any]:
    """Check a password; return a new login token, its expiry (epoch µs) and the user.

    All of it runs on the login threads (bounded: past the bound, 503 at once), never on the
    event loop nor on the threads ingestion uses. The throttle is asked first (429 while the
    account or the address is locked out); an unknown e-mail is checked against a decoy hash
    so it takes as long; no database transaction is open during the check."""
    if not rt.settings.password_login:
        raise Forbidden("Password login is switched off on this server: use single sign-on.")
    origin = contextvars.copy_context()  # the audit log's actor and request, on the thread
    return await rt.passwords.run(origin.run, _login, rt, email.strip().lower(), password, address)


def _login(rt: Runtime, email: str, password: str, address: str) -> tuple[str, int, Any]:
    rt.login_throttle.check(email, address, now_us())
    with rt.db.reader.connect() as conn:
        user = store.find_user(conn, email)
    if not check_password(password, user["password_hash"] if user else None):
        rt.login_throttle.failed(email, address, now_us())
        with rt.db.writer.begin() as conn:
            _audit_person(conn, "auth.login_failed", email, user)
        raise Unauthorized("Wrong e-mail or password.")
    rt.login_throttle.succeeded(email)
    audit_context.set_actor(user=user)
    with rt.db.writer.begin() as conn:
        token, expires = issue_token(conn, user["user_rowid"], rt.settings.login_token_hours)
        _audit_person(conn, "auth.login", email, user)
    return token, expires, user


def _audit_person(conn: Connection, action: str, email: str, user: Any, **change: Any) -> None:
    """One entry in each organization of the user (none known: one without organization)."""
    orgs = project_store.orgs_of_user(conn, user["user_rowid"]) if user else []
    for org_rowid in [org["org_rowid"] for org in orgs] or [None]:
        audit.record(conn, action, ("user", email), org_rowid=org_rowid, **change)


def issue_token(conn: Connection, user_rowid: int, hours: int) -> tuple[str, int]:
    """A new login token of the user and its expiry (epoch µs)."""
    token = "tht_" + secrets.token_urlsafe(32)
    now = now_us()
    expires = now + hours * 3_600_000_000
    store.insert_token(
        conn,
        {
            "token_hash": token_hash(token),
            "user_rowid": user_rowid,
            "created_at": now,
            "expires_at": expires,
        },
    )
    return token, expires


def user_for_token(conn: Connection, token: str) -> Any:
    return store.user_by_token(conn, token_hash(token), now_us())


def logout(conn: Connection, token: str) -> None:
    store.delete_token(conn, token_hash(token))
