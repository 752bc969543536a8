"""The OpenID provider as the server sees it: its discovery document and signing keys (cached
for a while), and the check of an ID token (signature, issuer, audience, expiry, nonce)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from tracehouse.config import Settings
from tracehouse.errors import Unauthorized, Unavailable

CACHE_SECONDS = 3600.0
TIMEOUT = 10.0
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]


@dataclass
class Discovery:
    """What the provider published, and when it was read."""

    metadata: dict[str, Any]
    keys: KeySet
    read_at: float = field(default_factory=time.monotonic)


_cache: dict[str, Discovery] = {}


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


async def discover(settings: Settings, *, refresh: bool = False) -> Discovery:
    """The issuer's metadata and keys; read again after CACHE_SECONDS or when asked (a key
    the token names is unknown: the provider may have rotated its keys)."""
    issuer = (settings.oidc_issuer or "").rstrip("/")
    known = _cache.get(issuer)
    if known and not refresh and time.monotonic() - known.read_at < CACHE_SECONDS:
        return known
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            metadata = (await client.get(f"{issuer}/.well-known/openid-configuration")).json()
            keys = (await client.get(metadata["jwks_uri"])).json()
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        raise Unavailable(
            f"The sign-on provider cannot be reached ({type(exc).__name__})."
        ) from exc
    _cache[issuer] = Discovery(metadata, KeySet.import_key_set(keys))
    return _cache[issuer]


async def verify(settings: Settings, id_token: str, nonce: str) -> dict[str, Any]:
    """The ID token's claims, once its signature (by the issuer's keys), issuer, audience,
    expiry and nonce all check out; 401 otherwise."""
    discovery = await discover(settings)
    try:
        token = jwt.decode(id_token, discovery.keys, algorithms=ALGORITHMS)
    except InvalidKeyIdError:  # the provider may have rotated its keys: read them again once
        token = _decode(id_token, (await discover(settings, refresh=True)).keys)
    except JoseError as exc:
        raise Unauthorized(f"The sign-on provider's answer was refused ({exc.error}).") from exc
    registry = jwt.JWTClaimsRegistry(
        leeway=60,
        iss={"essential": True, "value": str(discovery.metadata.get("issuer"))},
        aud={"essential": True, "value": str(settings.oidc_client_id)},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
        email={"essential": True},
    )
    try:
        registry.validate(token.claims)
    except JoseError as exc:
        raise Unauthorized(f"The sign-on provider's answer was refused ({exc.error}).") from exc
    return dict(token.claims)


def _decode(id_token: str, keys: KeySet) -> Any:
    try:
        return jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except JoseError as exc:
        raise Unauthorized(f"The sign-on provider's answer was refused ({exc.error}).") from exc
