"""API keys: create (secret returned once), authenticate, list, revoke."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from tracehouse.audit import service as audit
from tracehouse.clock import now_us
from tracehouse.errors import Conflict, InvalidRequest, NotFound
from tracehouse.ids import new_id
from tracehouse.keys import store
from tracehouse.keys.secrets import (
    MIN_SECRET_LENGTH,
    display_prefix,
    hash_secret,
    new_key_pair,
)

ENVIRONMENTS = ("live", "test")
ACCESS_LEVELS = ("read", "write", "admin")


def create_key(
    conn: Connection,
    *,
    org_rowid: int,
    project_rowid: int | None,
    environment: str = "live",
    access: str = "write",
    name: str | None = None,
    public_key: str | None = None,
    secret_key: str | None = None,
) -> tuple[dict[str, Any], str]:
    """Create a key; returns its row and the secret, which is never retrievable again."""
    _check_key_request(environment, access, project_rowid, secret_key)
    generated_public, generated_secret = new_key_pair(environment)
    public_key = public_key or generated_public
    secret = secret_key or generated_secret
    secret_hash = hash_secret(secret)
    _check_unused(conn, secret_hash, public_key)
    row: dict[str, Any] = {
        "id": new_id(),
        "org_rowid": org_rowid,
        "project_rowid": project_rowid,
        "name": name,
        "public_key": public_key,
        "secret_hash": secret_hash,
        "secret_prefix": display_prefix(secret),
        "environment": environment,
        "access": access,
        "created_at": now_us(),
    }
    store.insert_key(conn, row)
    audit.record(
        conn,
        "api_key.create",
        ("api_key", row["id"]),
        org_rowid=org_rowid,
        project_rowid=project_rowid,
        after=_shown(row),
    )
    return row, secret


def _check_key_request(
    environment: str, access: str, project_rowid: int | None, secret_key: str | None
) -> None:
    """Reject a key request that names an unknown environment or access level, an admin key
    tied to a project, or a chosen secret that is too short."""
    if environment not in ENVIRONMENTS:
        raise InvalidRequest(f"environment must be one of {', '.join(ENVIRONMENTS)}.")
    if access not in ACCESS_LEVELS:
        raise InvalidRequest(f"access must be one of {', '.join(ACCESS_LEVELS)}.")
    if access == "admin" and project_rowid is not None:
        raise InvalidRequest("Admin keys are organization keys: create them without a project.")
    if secret_key is not None and len(secret_key) < MIN_SECRET_LENGTH:
        raise InvalidRequest(f"A secret key needs at least {MIN_SECRET_LENGTH} characters.")


def _check_unused(conn: Connection, secret_hash: str, public_key: str) -> None:
    if store.key_by_hash(conn, secret_hash) is not None:
        raise Conflict("That secret key is already in use.")
    if store.key_by_public(conn, public_key) is not None:
        raise Conflict("That public key is already in use.")


def authenticate(conn: Connection, secret: str) -> Any:
    """The active key with this secret, or None (unknown or revoked)."""
    key = store.key_by_hash(conn, hash_secret(secret))
    if key is None or key["revoked_at"] is not None:
        return None
    return key


def list_keys(conn: Connection, *, org_rowid: int, project_rowid: int | None) -> list[Any]:
    return store.list_keys(conn, org_rowid=org_rowid, project_rowid=project_rowid)


def get_key(conn: Connection, key_id: str, org_rowid: int) -> Any:
    key = store.find_key(conn, key_id)
    if key is None or key["org_rowid"] != org_rowid:
        raise NotFound(f"No API key {key_id!r}.")
    return key


def revoke_key(conn: Connection, key_id: str, org_rowid: int) -> Any:
    key = get_key(conn, key_id, org_rowid)
    store.set_revoked(conn, key["key_rowid"], now_us())
    audit.record(
        conn,
        "api_key.revoke",
        ("api_key", key_id),
        org_rowid=org_rowid,
        project_rowid=key["project_rowid"],
        before=_shown(key),
    )
    return store.find_key(conn, key_id)


def _shown(key: Any) -> dict[str, Any]:
    """What the audit log says of a key (never its secret nor its hash)."""
    fields = ("name", "public_key", "environment", "access")
    return {"prefix": key["secret_prefix"], **{name: key[name] for name in fields}}


def touch(conn: Connection, key_rowid: int) -> None:
    store.touch(conn, key_rowid, now_us())
