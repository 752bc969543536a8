"""`GET`/`PATCH /api/v1/users/me` (seed 003's user profile)."""

from __future__ import annotations

import pytest
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Harness

pytestmark = pytest.mark.anyio
ME = "/api/v1/users/me"


async def test_profile_shows_the_user_and_their_organizations(th: Harness) -> None:
    token = await th.admin_token()
    me = await th.client.get(ME, headers=token)
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["email"] == ADMIN_EMAIL and body["is_admin"] is True
    assert [(o["name"], o["role"]) for o in body["organizations"]] == [("Acme", "owner")]
    assert "password_hash" not in body
    assert (await th.client.get(ME)).status_code == 401
    assert (await th.client.get(ME, headers=th.auth)).status_code == 403  # a project key


async def test_patch_changes_name_email_and_password(th: Harness) -> None:
    token = await th.admin_token()
    other_session = await th.admin_token()
    renamed = await th.client.patch(
        ME, json={"name": "Ada", "email": "Ada@Example.com"}, headers=token
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Ada" and renamed.json()["email"] == "ada@example.com"
    wrong = await th.client.patch(
        ME, json={"password": "new-password-1", "currentPassword": "nope"}, headers=token
    )
    assert wrong.status_code == 403
    changed = await th.client.patch(
        ME, json={"password": "new-password-1", "currentPassword": ADMIN_PASSWORD}, headers=token
    )
    assert changed.status_code == 200
    # the token in use stays; every other login of the user ends
    assert (await th.client.get(ME, headers=token)).status_code == 200
    assert (await th.client.get(ME, headers=other_session)).status_code == 401
    login = await th.client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": "new-password-1"}
    )
    assert login.status_code == 200
    short = await th.client.patch(
        ME, json={"password": "short", "currentPassword": "new-password-1"}, headers=token
    )
    assert short.status_code == 422


async def test_email_taken_by_another_user_conflicts(th: Harness) -> None:
    token = await th.admin_token()
    user = {"email": "cy@example.com", "password": "longenough"}
    assert (await th.client.post("/api/v1/users", json=user, headers=token)).status_code == 201
    clash = await th.client.patch(ME, json={"email": "cy@example.com"}, headers=token)
    assert clash.status_code == 409
