"""The login round trip: `begin` sends the browser to the provider with a fresh state, nonce
and PKCE verifier (kept in an encrypted cookie), `finish` trades the code for tokens, checks
the ID token and logs the person in."""

from __future__ import annotations

from typing import Any

import orjson
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from cryptography.fernet import InvalidToken

from tracehouse.audit import context as audit_context
from tracehouse.audit import service as audit
from tracehouse.errors import Unauthorized
from tracehouse.providers import secrets
from tracehouse.runtime import Runtime
from tracehouse.sso import accounts, provider
from tracehouse.users import service as users

STATE_SECONDS = 600


def _client(rt: Runtime, redirect_uri: str) -> AsyncOAuth2Client:
    settings = rt.settings
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
    return AsyncOAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=secret,
        scope=settings.oidc_scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=provider.TIMEOUT,
    )


def _fernet(rt: Runtime) -> Any:
    return secrets.fernet(secrets.server_secret(rt.settings, rt.db.writer))


async def begin(rt: Runtime, redirect_uri: str, next_url: str) -> tuple[str, str]:
    """(the provider's authorization URL, the encrypted state cookie's value)."""
    discovery = await provider.discover(rt.settings)
    verifier, nonce = generate_token(48), generate_token(24)
    async with _client(rt, redirect_uri) as client:
        url, state = client.create_authorization_url(
            discovery.metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
    held = {"state": state, "nonce": nonce, "verifier": verifier, "next": next_url}
    return url, _fernet(rt).encrypt(orjson.dumps(held)).decode()


def _held(rt: Runtime, cookie: str | None, state: str | None) -> dict[str, Any]:
    """What `begin` kept, if the cookie is ours, fresh, and for this state."""
    try:
        held = orjson.loads(_fernet(rt).decrypt((cookie or "").encode(), ttl=STATE_SECONDS))
    except (InvalidToken, orjson.JSONDecodeError) as exc:
        raise Unauthorized("The sign-on took too long or was not started here; try again.") from exc
    if not state or state != held.get("state"):
        raise Unauthorized("The sign-on answer does not match this login; try again.")
    return dict(held)


async def finish(
    rt: Runtime, redirect_uri: str, cookie: str | None, query: dict[str, str]
) -> tuple[str, str]:
    """(a login token, where to go next) once the provider's answer checks out."""
    if query.get("error"):
        reason = query.get("error_description") or query["error"]
        raise Unauthorized(f"The sign-on provider refused: {reason}.")
    held = _held(rt, cookie, query.get("state"))
    discovery = await provider.discover(rt.settings)
    async with _client(rt, redirect_uri) as client:
        tokens = await client.fetch_token(
            discovery.metadata["token_endpoint"],
            code=query.get("code", ""),
            code_verifier=held["verifier"],
        )
    if "id_token" not in tokens:
        raise Unauthorized("The sign-on provider sent no ID token.")
    claims = await provider.verify(rt.settings, tokens["id_token"], held["nonce"])
    return _log_in(rt, claims), held["next"]


def _log_in(rt: Runtime, claims: dict[str, Any]) -> str:
    with rt.db.writer.begin() as conn:
        user = accounts.person(conn, rt.settings, claims)
        audit_context.set_actor(user=user)
        token, _ = users.issue_token(conn, user["user_rowid"], rt.settings.login_token_hours)
        audit.record(conn, "auth.login", ("user", user["email"]), after={"method": "sso"})
    return token
