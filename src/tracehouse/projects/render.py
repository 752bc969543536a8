"""Management objects as the API returns them (never a secret, except once at creation)."""

from __future__ import annotations

from typing import Any

from tracehouse.clock import iso


def org(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "created_at": iso(row["created_at"])}


def project(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "org_id": row["org_id"],
        "plan": row["plan"],
        "retention_days": row["retention_days"],
        "created_at": iso(row["created_at"]),
    }


def key(row: Any, secret: str | None = None) -> dict[str, Any]:
    body = {
        "id": row["id"],
        "name": row["name"],
        "public_key": row["public_key"],
        "prefix": row["secret_prefix"],
        "environment": row["environment"],
        "access": row["access"],
        "project_id": row.get("project_id"),
        "scope": "project" if row["project_rowid"] is not None else "organization",
        "created_at": iso(row["created_at"]),
        "last_used_at": iso(row.get("last_used_at")),
        "revoked_at": iso(row.get("revoked_at")),
        "active": row.get("revoked_at") is None,
    }
    if secret is not None:
        body["secret_key"] = secret
    return body


def user(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "email": row["email"],
        "name": row["name"],
        "is_admin": bool(row["is_admin"]),
        "created_at": iso(row["created_at"]),
    }
