"""The settings page's provider credentials (add, test, rotate, delete; the key never shown) and
projects (create, rename and describe, delete with the name typed), with their role checks."""

from __future__ import annotations

import re

import pytest
from tests import fake_openai
from tests.conftest import Harness
from tests.ui.conftest import csrf_of, log_in
from tests.ui.test_prompts import _project_id

from tracehouse.ui.session import Viewer

pytestmark = pytest.mark.anyio

SECRET = "sk-test-4f1c9a7e2b"


def _last_key() -> str | None:
    headers = {k.lower(): v for k, v in fake_openai.SCRIPT.calls[-1][1].items()}
    return headers.get("authorization")


async def _settings(th: Harness) -> tuple[str, str]:
    await log_in(th.client)
    url = f"/ui/p/{await _project_id(th)}/settings"
    return url, csrf_of((await th.client.get(url)).text)


async def test_a_provider_credential_is_added_tested_rotated_and_deleted(th: Harness) -> None:
    url, token = await _settings(th)
    empty = (await th.client.get(url)).text
    assert 'id="no-providers"' in empty and 'id="add-provider"' in empty
    with fake_openai.fake_openai() as llm:
        added = await th.client.post(
            f"{url}/providers",
            data={
                "name": "local",
                "kind": "openai",
                "api_key": SECRET,
                "base_url": llm,
                "default_model": "gpt-4o-mini",
                "csrf_token": token,
            },
        )
        assert added.status_code == 303
        page = (await th.client.get(url)).text
        assert "local" in page and "gpt-4o-mini" in page
        assert SECRET not in page  # write-only: the hint, never the key
        ref = re.search(r'data-provider="([^"]+)"', page)
        assert ref
        tested = await th.client.post(f"{url}/providers/{ref[1]}/test", data={"csrf_token": token})
        assert tested.status_code == 200
        assert re.search(
            r'class="badge ok" id="provider-check">connected: gpt-4o-mini', tested.text
        )
        rotated = await th.client.post(
            f"{url}/providers/{ref[1]}/rotate", data={"api_key": "sk-new-99zz", "csrf_token": token}
        )
        assert rotated.status_code == 303
        assert _last_key() == f"Bearer {SECRET}"
        await th.client.post(f"{url}/providers/{ref[1]}/test", data={"csrf_token": token})
        assert _last_key() == "Bearer sk-new-99zz"
    api = (await th.client.get("/api/v1/providers", headers=th.auth)).json()["data"]
    assert [p["api_key_hint"].endswith("99zz") for p in api] == [True]
    empty_key = await th.client.post(
        f"{url}/providers/{ref[1]}/rotate", data={"api_key": " ", "csrf_token": token}
    )
    assert empty_key.status_code == 400
    deleted = await th.client.post(f"{url}/providers/{ref[1]}/delete", data={"csrf_token": token})
    assert deleted.status_code == 303
    assert (await th.client.get("/api/v1/providers", headers=th.auth)).json()["data"] == []


async def test_a_failing_connection_is_reported_without_the_key(th: Harness) -> None:
    url, token = await _settings(th)
    fields = {"name": "down", "api_key": SECRET, "base_url": "http://127.0.0.1:9/v1"}
    await th.client.post(f"{url}/providers", data={**fields, "csrf_token": token})
    ref = re.search(r'data-provider="([^"]+)"', (await th.client.get(url)).text)
    assert ref
    no_model = await th.client.post(f"{url}/providers/{ref[1]}/test", data={"csrf_token": token})
    assert no_model.status_code == 400
    assert "default model" in no_model.text
    patched = await th.client.patch(
        f"/api/v1/providers/{ref[1]}", json={"default_model": "m"}, headers=th.auth
    )
    assert patched.status_code == 200, patched.text
    failed = await th.client.post(f"{url}/providers/{ref[1]}/test", data={"csrf_token": token})
    assert failed.status_code == 200
    assert 'class="badge error" id="provider-check">failed: ' in failed.text
    assert SECRET not in failed.text
    bad = await th.client.post(
        f"{url}/providers", data={"name": "x", "kind": "nope", "api_key": "k", "csrf_token": token}
    )
    assert bad.status_code == 400
    assert "kind" in bad.text


async def test_projects_are_created_renamed_described_and_deleted(th: Harness) -> None:
    url, token = await _settings(th)
    created = await th.client.post(
        f"{url}/projects",
        data={"name": "staging app", "description": "the staging copy", "csrf_token": token},
    )
    assert created.status_code == 303
    new_settings = created.headers["location"].split("#")[0]
    new_id = new_settings.split("/")[3]
    page = (await th.client.get(new_settings)).text
    body = page.split("</title>", 1)[1]
    assert "the staging copy" in body and body.count('id="edit-project"') == 1
    clash = await th.client.post(
        f"{url}/projects", data={"name": "staging app", "csrf_token": token}
    )
    assert clash.status_code == 409
    renamed = await th.client.post(
        f"{new_settings}/project",
        data={"name": "staging", "description": "pre-release", "csrf_token": token},
    )
    assert renamed.status_code == 303
    api = await th.client.get(f"/api/v1/projects/{new_id}", headers=await th.admin_token())
    assert (api.json()["name"], api.json()["description"]) == ("staging", "pre-release")
    admin = {**(await th.admin_token()), "x-project-id": new_id}
    traced = await th.client.post("/api/v1/traces", json={"id": "doomed"}, headers=admin)
    assert traced.status_code in (201, 202), traced.text
    wrong = await th.client.post(
        f"{new_settings}/delete", data={"confirm": "staging app", "csrf_token": token}
    )
    assert wrong.status_code == 400
    assert (await th.client.get(new_settings)).status_code == 200
    deleted = await th.client.post(
        f"{new_settings}/delete", data={"confirm": "staging", "csrf_token": token}
    )
    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/ui/"
    assert (await th.client.get(new_settings)).status_code == 404
    gone = await th.client.get(f"/api/v1/projects/{new_id}", headers=await th.admin_token())
    assert gone.status_code == 404
    assert (await th.client.get("/api/v1/traces/doomed", headers=admin)).status_code == 404
    assert (await th.client.get(url)).status_code == 200  # the other project is untouched


async def test_a_member_reads_settings_but_changes_nothing(
    th: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, token = await _settings(th)
    await th.client.post(
        f"{url}/providers", data={"name": "p", "api_key": "k", "csrf_token": token}
    )
    await th.client.post(
        f"{url}/members",
        data={"email": "mia@example.com", "password": "mia password", "csrf_token": token},
    )
    th.client.cookies.clear()
    await log_in(th.client, "mia@example.com", "mia password")
    page = (await th.client.get(url)).text
    assert 'id="read-only-note"' in page
    assert not [f for f in ('id="edit-project"', 'id="new-project"', "Create key") if f in page]
    token = csrf_of(page)
    for path, fields in [
        ("/project", {"name": "x"}),
        ("/projects", {"name": "y"}),
        ("/delete", {"confirm": "x"}),
    ]:
        refused = await th.client.post(url + path, data={"csrf_token": token, **fields})
        assert refused.status_code == 403, path
    original = Viewer.scope
    monkeypatch.setattr(
        Viewer, "scope", lambda self, pid, access="write": original(self, pid, "read")
    )
    read_only = (await th.client.get(url)).text
    assert 'id="add-provider"' not in read_only and "Rotate key" not in read_only
    ref = re.search(r'data-provider="([^"]+)"', read_only)
    assert ref
    for path in ("", f"/{ref[1]}/rotate", f"/{ref[1]}/delete", f"/{ref[1]}/test"):
        refused = await th.client.post(
            f"{url}/providers{path}", data={"csrf_token": token, "name": "q", "api_key": "k"}
        )
        assert refused.status_code == 403, path


async def test_a_members_role_is_changed_and_they_are_removed(th: Harness) -> None:
    url, token = await _settings(th)
    fields = {"email": "ria@example.com", "password": "ria password", "csrf_token": token}
    await th.client.post(f"{url}/members", data=fields)
    assert 'aria-label="Role of ria@example.com"' in (await th.client.get(url)).text
    role = f"{url}/members/role"
    made_admin = await th.client.post(
        role, data={"email": "ria@example.com", "role": "admin", "csrf_token": token}
    )
    assert made_admin.status_code == 303
    page = (await th.client.get(url)).text
    row = re.search(r'data-member="ria@example.com">(.*?)</tr>', page, re.S)
    assert row and "<td>admin" in row[1]
    owner = re.search(r'data-member="([^"]+)"><td>[^<]*</td><td>[^<]*</td><td>owner', page)
    assert owner, "the first user owns the organization"
    last_owner = await th.client.post(
        role, data={"email": owner[1], "role": "member", "csrf_token": token}
    )
    assert last_owner.status_code == 409
    bad = await th.client.post(
        role, data={"email": "ria@example.com", "role": "emperor", "csrf_token": token}
    )
    assert bad.status_code == 400
    removed = await th.client.post(
        role, data={"email": "ria@example.com", "role": "remove", "csrf_token": token}
    )
    assert removed.status_code == 303
    assert 'data-member="ria@example.com"' not in (await th.client.get(url)).text
    th.client.cookies.clear()
    await log_in(th.client, "ria@example.com", "ria password")
    assert (await th.client.get(url)).status_code == 404
    gone = await th.client.post(
        role, data={"email": "nobody@example.com", "role": "remove", "csrf_token": token}
    )
    assert gone.status_code in (403, 404)
