"""Provider credentials: stored with the API key encrypted, shown with a hint only, and turned
into a `Provider` for the chat client."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tracehouse.clock import iso, now_us
from tracehouse.errors import InvalidRequest
from tracehouse.http.auth import ProjectScope
from tracehouse.http.crud import Resource
from tracehouse.http.pagination import PageParams
from tracehouse.ids import new_id
from tracehouse.providers import secrets, store
from tracehouse.providers.client import KINDS, Provider, ProviderError, chat
from tracehouse.providers.schemas import CredentialIn, CredentialPatch
from tracehouse.runtime import Runtime


def render(row: Any) -> dict[str, Any]:
    """The public view: never the key, only its hint."""
    return {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "base_url": row["base_url"],
        "api_version": row["api_version"],
        "default_model": row["default_model"],
        "api_key_hint": row["api_key_hint"],
        "timeout_seconds": row["timeout_seconds"],
        "max_retries": row["max_retries"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def _secret(rt: Runtime) -> str:
    return secrets.server_secret(rt.settings, rt.db.writer)


RESOURCE = Resource("provider credential", store.CREDENTIALS, render)


def require(rt: Runtime, project_rowid: int, ref: str) -> Any:
    return RESOURCE.require(rt, project_rowid, ref)


def create(rt: Runtime, scope: ProjectScope, body: CredentialIn) -> dict[str, Any]:
    scope.require_write()
    now = now_us()
    values = body.model_dump(exclude={"api_key"})
    values.update(
        id=new_id(),
        project_rowid=scope.project_rowid,
        api_key_encrypted=secrets.encrypt(_secret(rt), body.api_key),
        api_key_hint=secrets.hint(body.api_key),
        created_at=now,
        updated_at=now,
    )
    return RESOURCE.create(rt, values)


def update(rt: Runtime, scope: ProjectScope, ref: str, body: CredentialPatch) -> dict[str, Any]:
    scope.require_write()
    row = require(rt, scope.project_rowid, ref)
    values = body.model_dump(exclude_unset=True, exclude={"api_key"})
    if body.api_key is not None:
        values["api_key_encrypted"] = secrets.encrypt(_secret(rt), body.api_key)
        values["api_key_hint"] = secrets.hint(body.api_key)
    values["updated_at"] = now_us()
    return RESOURCE.update(rt, row, values)


def delete(rt: Runtime, scope: ProjectScope, ref: str) -> None:
    scope.require_write()
    RESOURCE.delete(rt, require(rt, scope.project_rowid, ref))


def list_credentials(rt: Runtime, scope: ProjectScope, page: PageParams) -> dict[str, Any]:
    return RESOURCE.page(rt, scope.project_rowid, page)


def provider(rt: Runtime, project_rowid: int, ref: str) -> tuple[Provider, str | None]:
    """The callable provider for a stored credential, and its default model."""
    row = require(rt, project_rowid, ref)
    api_key = secrets.decrypt(_secret(rt), row["api_key_encrypted"])
    return (
        Provider(
            kind=row["kind"],
            api_key=api_key,
            base_url=row["base_url"],
            api_version=row["api_version"],
            timeout_seconds=row["timeout_seconds"],
            max_retries=row["max_retries"],
        ),
        row["default_model"],
    )


def choose(
    rt: Runtime, project_rowid: int, ref: str | None, prefer_kind: str | None = None
) -> tuple[Provider, str | None, dict[str, Any]]:
    """The credential a caller names (id, name, or a kind: the project's credential of that
    kind), else the one of `prefer_kind`, else the project's oldest; with its default model
    and its public view. A project without a matching credential is a 400."""
    rows = RESOURCE.page(rt, project_rowid)["data"][::-1]  # oldest first
    row: dict[str, Any] | None
    if ref is not None and ref not in KINDS:
        row = render(require(rt, project_rowid, ref))
    else:
        kind = ref or prefer_kind
        matching: list[dict[str, Any] | None] = [r for r in rows if r["kind"] == kind]
        row = (matching or [None if ref else _first(rows)])[0]
    if row is None:
        wanted = f"{ref!r} provider credential" if ref else "provider credential"
        raise InvalidRequest(
            f"This project has no {wanted}: add one under Settings, Providers "
            "(POST /api/v1/providers).",
            {"field": "provider"},
        )
    target, model = provider(rt, project_rowid, row["id"])
    return target, model, row


def _first(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


async def check_connection(rt: Runtime, scope: ProjectScope, ref: str) -> tuple[bool, str]:
    """One short chat call with the credential's default model, no retries: (worked, what
    happened), for a "test connection" button. The key itself is never part of the answer."""
    target, model = provider(rt, scope.project_rowid, ref)
    if not model:
        raise InvalidRequest("Set a default model on the credential to test its connection.")
    messages = [{"role": "user", "content": "Reply with OK."}]
    try:
        done = await chat(replace(target, max_retries=0), model, messages)
    except ProviderError as exc:
        return False, f"failed: {exc}"
    took = (done.end_us - done.start_us) / 1000
    return True, f"connected: {done.model} answered in {took:.0f} ms"
