"""`tracehouse users|projects|keys` on the database (SQLite file and PostgreSQL); what they
create is checked through the real API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.conftest import tracehouse
from tests.conftest import ADMIN_EMAIL, SECRET_KEY, Harness

pytestmark = pytest.mark.anyio


def db_env(th: Harness) -> dict[str, str]:
    if th.settings.database_url:
        return {"TRACEHOUSE_DATABASE_URL": th.settings.database_url}
    return {"TRACEHOUSE_DATA_DIR": str(th.settings.data_dir)}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def test_users_create_makes_a_user_who_can_log_in(th: Harness) -> None:
    result = tracehouse(
        "users", "create", "Dana@Example.com", "--name", "Dana", "--org", "Acme",
        "--role", "admin", env=db_env(th), input="s3cret-pass\ns3cret-pass\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "created user dana@example.com" in result.stdout and "admin of Acme" in result.stdout
    assert "s3cret-pass" not in result.stdout
    login = await th.client.post(
        "/api/v1/auth/login", json={"email": "dana@example.com", "password": "s3cret-pass"}
    )
    assert login.status_code == 200, login.text
    projects = await th.client.get(
        "/api/v1/projects", headers=bearer(login.json()["token"])
    )  # an org admin sees the org's projects
    assert [p["name"] for p in projects.json()["data"]] == ["main"]


async def test_users_create_rejects_bad_input(th: Harness) -> None:
    short = tracehouse("users", "create", "x@example.com", "--password", "short", env=db_env(th))
    assert short.exit_code == 2 and "at least 8 characters" in short.stderr
    not_email = tracehouse("users", "create", "nobody", "--password", "long-enough", env=db_env(th))
    assert not_email.exit_code == 2 and "not an e-mail address" in not_email.stderr
    twice = tracehouse("users", "create", ADMIN_EMAIL, "--password", "long-enough", env=db_env(th))
    assert twice.exit_code == 1 and "already exists" in twice.stderr
    assert "Traceback" not in twice.output


async def test_projects_create_prints_a_working_key_once_and_list_shows_it(th: Harness) -> None:
    created = tracehouse(
        "projects", "create", "shop", "--plan", "pro", "--retention-days", "30", "--json",
        env=db_env(th),
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    body = json.loads(created.stdout)
    secret = body["api_key"]["secret_key"]
    assert body["project"]["name"] == "shop" and secret.startswith("sk-th-live-")
    sent = await th.client.post("/api/v1/traces", json={"id": "from-cli"}, headers=bearer(secret))
    assert sent.status_code == 201, sent.text

    text = tracehouse("projects", "create", "shop-2", "--environment", "test", env=db_env(th))
    assert text.exit_code == 0, text.output
    assert "created project shop-2" in text.stdout and "secret sk-th-test-" in text.stdout
    assert "not shown again" in text.stdout

    listed = tracehouse("projects", "list", env=db_env(th))
    assert listed.exit_code == 0, listed.output
    shop = next(line for line in listed.stdout.splitlines() if " shop " in line)
    assert body["project"]["id"] in shop and "pro" in shop and "30 days" in shop and "Acme" in shop
    assert "main" in listed.stdout and "forever" in listed.stdout
    assert secret not in listed.stdout

    again = tracehouse("projects", "create", "shop", env=db_env(th))
    assert again.exit_code == 1 and "already exists" in again.stderr


async def test_keys_create_list_revoke(th: Harness) -> None:
    created = tracehouse(
        "keys", "create", "--project", "main", "--access", "read", "--name", "dashboards",
        "--json", env=db_env(th),
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    key = json.loads(created.stdout)
    readable = await th.client.get("/api/v1/traces", headers=bearer(key["secret_key"]))
    assert readable.status_code == 200
    written = await th.client.post("/api/v1/traces", json={}, headers=bearer(key["secret_key"]))
    assert written.status_code == 403

    listed = tracehouse("keys", "list", "--project", "main", env=db_env(th))
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.stdout.splitlines() if key["id"] in line)
    assert "dashboards" in row and "read" in row and "active" in row
    assert key["prefix"] in row and key["secret_key"] not in listed.stdout
    assert SECRET_KEY not in listed.stdout

    revoked = tracehouse("keys", "revoke", key["id"], env=db_env(th))
    assert revoked.exit_code == 0 and f"revoked key {key['id']}" in revoked.stdout
    after = await th.client.get("/api/v1/traces", headers=bearer(key["secret_key"]))
    assert after.status_code == 401
    listed = tracehouse("keys", "list", "--json", env=db_env(th))
    states = {k["id"]: k["active"] for k in map(json.loads, listed.stdout.splitlines())}
    assert states[key["id"]] is False and len(states) == 2
    assert "already revoked" in tracehouse("keys", "revoke", key["id"], env=db_env(th)).stdout


async def test_org_wide_admin_key_manages_projects(th: Harness) -> None:
    created = tracehouse(
        "keys", "create", "--org-wide", "--access", "admin", "--json", env=db_env(th)
    )
    assert created.exit_code == 0, created.output
    key = json.loads(created.stdout)
    assert key["scope"] == "organization"
    projects = await th.client.get("/api/v1/projects", headers=bearer(key["secret_key"]))
    assert projects.status_code == 200 and projects.json()["data"][0]["name"] == "main"

    neither = tracehouse("keys", "create", env=db_env(th))
    assert neither.exit_code == 2 and "--project" in neither.stderr
    admin_project_key = tracehouse(
        "keys", "create", "--project", "main", "--access", "admin", env=db_env(th)
    )
    assert admin_project_key.exit_code == 1 and "organization keys" in admin_project_key.stderr
    unknown = tracehouse("keys", "create", "--project", "nope", env=db_env(th))
    assert unknown.exit_code == 1 and "no project with id or name 'nope'" in unknown.stderr
    gone = tracehouse("keys", "revoke", "no-such-key", env=db_env(th))
    assert gone.exit_code == 1 and "no API key" in gone.stderr


def test_admin_commands_need_a_migrated_database(tmp_path: Path) -> None:
    missing = tracehouse("projects", "list", "--data-dir", str(tmp_path / "nowhere"))
    assert missing.exit_code == 1
    assert "no Tracehouse database" in missing.stderr and "tracehouse migrate" in missing.stderr
    assert not (tmp_path / "nowhere" / "tracehouse.db").exists()


def test_bootstrap_on_a_fresh_database(tmp_path: Path) -> None:
    """migrate, then a first user, organization, project and key with no server running."""
    env = {"TRACEHOUSE_DATA_DIR": str(tmp_path / "data")}
    assert tracehouse("migrate", env=env).exit_code == 0
    empty = tracehouse("projects", "create", "app", env=env)
    assert empty.exit_code == 1 and "no organization yet" in empty.stderr
    user = tracehouse(
        "users", "create", "ops@example.com", "--password", "long-enough", "--admin",
        "--org", "Ops", "--role", "owner", env=env,
    )  # fmt: skip
    assert user.exit_code == 0, user.output
    assert "created organization Ops" in user.stderr
    assert tracehouse("projects", "create", "app", env=env).exit_code == 0
    keys = tracehouse("keys", "list", "--org", "Ops", "--json", env=env)
    assert [json.loads(line)["name"] for line in keys.stdout.splitlines()] == ["default"]


async def test_users_reset_password_sets_it_and_ends_the_users_logins(th: Harness) -> None:
    old_token = await th.admin_token()
    me = "/api/v1/users/me"
    assert (await th.client.get(me, headers=old_token)).status_code == 200
    reset = tracehouse(
        "users", "reset-password", ADMIN_EMAIL, env=db_env(th), input="brand-new-pw\nbrand-new-pw\n"
    )
    assert reset.exit_code == 0, reset.output
    assert "brand-new-pw" not in reset.stdout
    assert (await th.client.get(me, headers=old_token)).status_code == 401
    login = await th.client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "brand-new-pw"}
    )
    assert login.status_code == 200, login.text
    generated = tracehouse("users", "reset-password", ADMIN_EMAIL, "--generate", env=db_env(th))
    assert generated.exit_code == 0, generated.output
    password = generated.stdout.split("new password: ")[1].strip()
    login = await th.client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": password}
    )
    assert login.status_code == 200
    unknown = tracehouse(
        "users", "reset-password", "nobody@example.com", "--password", "long-enough", env=db_env(th)
    )
    assert unknown.exit_code == 1 and "No user" in unknown.stderr
    short = tracehouse(
        "users", "reset-password", ADMIN_EMAIL, "--password", "short", env=db_env(th)
    )
    assert short.exit_code == 2
