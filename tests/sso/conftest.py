"""A local OpenID provider for the single sign-on tests: discovery, JWKS, an authorization
endpoint that approves at once (as the configured person), and a token endpoint that checks
the client, the code and its PKCE verifier, and signs ID tokens (or forges them on request)."""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import orjson
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID, CLIENT_SECRET = "tracehouse", "client-secret-for-the-tests"


@functools.cache
def signing_key(name: str) -> RSAKey:
    """An RSA key (id "k1") per name, made once per test process: 2048-bit keys take a good
    part of a second each on a loaded machine. "provider" signs; "forger" is another key that
    claims the same key id."""
    return RSAKey.generate_key(2048, private=True, parameters={"kid": "k1"})


@dataclass
class Provider:
    url: str = ""
    key: RSAKey = field(default_factory=lambda: signing_key("provider"))
    claims: dict[str, Any] = field(default_factory=dict)
    forge: bool = False  # sign with another key that claims the same key id
    wrong_nonce: bool = False
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)

    def id_token(self, code: dict[str, Any]) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "sub": "person-1",
            "iat": now,
            "exp": now + 300,
            "nonce": "not-the-one" if self.wrong_nonce else code["nonce"],
            **self.claims,
        }
        signer = signing_key("forger") if self.forge else self.key
        return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, signer)


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _handler(op: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _json(self, status: int, body: Any) -> None:
            data = orjson.dumps(body)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            if path == "/.well-known/openid-configuration":
                self._json(
                    200,
                    {
                        "issuer": op.url,
                        "authorization_endpoint": f"{op.url}/authorize",
                        "token_endpoint": f"{op.url}/token",
                        "jwks_uri": f"{op.url}/jwks",
                        "response_types_supported": ["code"],
                        "code_challenge_methods_supported": ["S256"],
                    },
                )
            elif path == "/jwks":
                self._json(200, KeySet([op.key]).as_dict(private=False))
            elif path == "/authorize":
                params = {k: v[0] for k, v in parse_qs(query).items()}
                op.authorize_requests.append(params)
                code = secrets.token_urlsafe(16)
                op.codes[code] = params
                answer = urlencode({"code": code, "state": params["state"]})
                target = f"{params['redirect_uri']}?{answer}"
                self.send_response(302)
                self.send_header("location", target)
                self.end_headers()
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            code = op.codes.pop(form.get("code", ""), None)
            if not self._client_ok(form) or code is None:
                self._json(400, {"error": "invalid_grant"})
                return
            if (
                code["code_challenge_method"] != "S256"
                or _challenge(form.get("code_verifier", "")) != code["code_challenge"]
            ):
                self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
                return
            self._json(
                200, {"access_token": "at", "token_type": "Bearer", "id_token": op.id_token(code)}
            )

        def _client_ok(self, form: dict[str, str]) -> bool:
            basic = self.headers.get("authorization", "")
            if basic.startswith("Basic "):
                user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
                return (user, password) == (CLIENT_ID, CLIENT_SECRET)
            return (form.get("client_id"), form.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET)

    return Handler


@pytest.fixture
def op() -> Iterator[Provider]:
    state = Provider(
        claims={
            "email": "ada@example.com",
            "email_verified": True,
            "name": "Ada",
            "groups": ["th-admins"],
        }
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def sso_settings(op: Provider, **extra: Any) -> dict[str, Any]:
    return {
        "oidc_issuer": op.url,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "oidc_role_claim": "groups",
        "oidc_role_map": {"th-admins": "admin", "th-viewers": "viewer"},
        "oidc_allowed_domains": ["example.com"],
        "oidc_label": "Example SSO",
        **extra,
    }


async def sso_login(client: httpx.AsyncClient) -> httpx.Response:
    """What a browser does: start at Tracehouse, go to the provider, come back with its code."""
    start = await client.get("/ui/login/sso", params={"next": "/ui/"})
    assert start.status_code == 302, start.text
    approved = httpx.get(start.headers["location"], follow_redirects=False)
    assert approved.status_code == 302
    back = urlsplit(approved.headers["location"])
    return await client.get(f"{back.path}?{back.query}")
