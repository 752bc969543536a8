"""Single sign-on against a local OpenID provider (SQLite and PostgreSQL): the code flow with
PKCE, people created on first login with the role their claim maps to (and kept in step),
forged tokens, wrong nonces, other domains and foreign states refused, password login off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Harness, make_settings, start
from tests.sso.conftest import Provider, sso_login, sso_settings

from tracehouse.store.tables import audit_log, memberships, users

pytestmark = pytest.mark.anyio


@pytest.fixture
async def app(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest, op: Provider
) -> AsyncIterator[Harness]:
    async for harness in start(make_settings(db_kind, tmp_path, request, **sso_settings(op))):
        yield harness


def _role(th: Harness, email: str) -> str | None:
    engine = create_engine(
        th.settings.resolved_database_url.replace("postgresql://", "postgresql+psycopg://")
    )
    with engine.connect() as conn:
        query = select(memberships.c.role).join(
            users, users.c.user_rowid == memberships.c.user_rowid
        )
        role = conn.execute(query.where(users.c.email == email)).scalar()
        actions = list(conn.execute(select(audit_log.c.action, audit_log.c.summary)).all())
    engine.dispose()
    th.actions = actions  # type: ignore[attr-defined]
    return role


async def test_first_login_creates_the_person_with_the_mapped_role(
    app: Harness, op: Provider
) -> None:
    page = await app.client.get("/ui/login")
    assert "Sign in with Example SSO" in page.text and 'name="password"' in page.text
    answer = await sso_login(app.client)
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/"
    assert "th_session" in answer.headers.get("set-cookie", "") or app.client.cookies
    home = await app.client.get("/ui/")
    assert home.status_code == 303 and "/ui/p/" in home.headers["location"]
    assert _role(app, "ada@example.com") == "admin"
    assert any(a == "auth.login" and "sso" in str(after) for a, after in app.actions)  # type: ignore[attr-defined]
    request = op.authorize_requests[0]
    assert request["code_challenge_method"] == "S256" and request["nonce"] and request["state"]
    assert "openid" in request["scope"]


async def test_the_role_follows_the_claim_at_each_login(app: Harness, op: Provider) -> None:
    await sso_login(app.client)
    op.claims["groups"] = ["th-viewers"]
    app.client.cookies.clear()
    await sso_login(app.client)
    assert _role(app, "ada@example.com") == "viewer"


@pytest.mark.parametrize("trouble", ["forged", "nonce", "domain", "unverified"])
async def test_untrusted_answers_are_refused(app: Harness, op: Provider, trouble: str) -> None:
    if trouble == "forged":
        op.forge = True
    elif trouble == "nonce":
        op.wrong_nonce = True
    elif trouble == "domain":
        op.claims["email"] = "eve@elsewhere.org"
    else:
        op.claims["email_verified"] = False
    answer = await sso_login(app.client)
    assert answer.status_code in (401, 403), answer.text
    assert "Log in" in answer.text
    assert (await app.client.get("/ui/")).status_code != 200
    assert _role(app, "ada@example.com") is None and _role(app, "eve@elsewhere.org") is None


async def test_a_callback_not_started_here_is_refused(app: Harness, op: Provider) -> None:
    await app.client.get("/ui/login/sso")  # sets the state cookie
    answer = await app.client.get("/ui/login/sso/callback", params={"code": "x", "state": "forged"})
    assert answer.status_code == 401 and "does not match" in answer.text
    app.client.cookies.clear()
    stale = await app.client.get("/ui/login/sso/callback", params={"code": "x", "state": "y"})
    assert stale.status_code == 401


async def test_password_login_can_be_switched_off(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest, op: Provider
) -> None:
    settings = make_settings(db_kind, tmp_path, request, password_login=False, **sso_settings(op))
    async for th in start(settings):
        page = await th.client.get("/ui/login")
        assert 'name="password"' not in page.text and "Sign in with Example SSO" in page.text
        body = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        refused = await th.client.post("/api/v1/auth/login", json=body)
        assert refused.status_code == 403 and "single sign-on" in refused.json()["error"]["message"]
        assert (await sso_login(th.client)).status_code == 303


async def test_without_sso_there_is_no_sso(th: Harness) -> None:
    assert (await th.client.get("/ui/login/sso")).status_code == 404
    assert "Sign in with" not in (await th.client.get("/ui/login")).text
