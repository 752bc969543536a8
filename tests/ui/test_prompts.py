"""The prompt pages: list, one prompt with a diff of two versions, label moves, access."""

from __future__ import annotations

import re

import pytest
from tests.conftest import Harness
from tests.ui.conftest import csrf_of, log_in

from tracehouse.ui.session import Viewer

pytestmark = pytest.mark.anyio


async def _project_id(th: Harness) -> str:
    response = await th.client.get("/ui/")
    match = re.match(r"/ui/p/([^/]+)/traces", response.headers["location"])
    assert match
    return match.group(1)


async def _seed(th: Harness) -> None:
    versions = [
        {
            "prompt": "Greet {{name}}.\nBe brief.",
            "labels": ["production"],
            "commit_message": "first",
        },
        {"prompt": "Greet {{name}} warmly.\nBe brief.", "config": {"model": "gpt-4o"}},
    ]
    for body in versions:
        response = await th.client.post(
            "/api/v1/prompts", json={"name": "team/greeting", **body}, headers=th.auth
        )
        assert response.status_code == 201, response.text
    chat = {
        "name": "support",
        "type": "chat",
        "prompt": [
            {"role": "system", "content": "You help with {{product}}."},
            {"type": "placeholder", "name": "history"},
        ],
    }
    response = await th.client.post("/api/v1/prompts", json=chat, headers=th.auth)
    assert response.status_code == 201, response.text


async def test_an_empty_list_shows_how_to_create_a_prompt(th: Harness) -> None:
    await log_in(th.client)
    project_id = await _project_id(th)
    page = await th.client.get(f"/ui/p/{project_id}/prompts")
    assert page.status_code == 200
    assert "No prompts yet" in page.text
    assert "/api/v1/prompts" in page.text
    assert "Greet {{name}}." in page.text  # the snippet shows template syntax verbatim
    assert 'aria-current="page">Prompts<' in page.text


async def test_the_list_and_a_prompt_with_its_versions_and_diff(th: Harness) -> None:
    await _seed(th)
    await log_in(th.client)
    project_id = await _project_id(th)
    listing = await th.client.get(f"/ui/p/{project_id}/prompts")
    assert listing.status_code == 200
    assert f'href="/ui/p/{project_id}/prompts/team/greeting"' in listing.text
    assert "support" in listing.text and "chat" in listing.text
    page = await th.client.get(f"/ui/p/{project_id}/prompts/team/greeting?version=2")
    assert page.status_code == 200
    assert 'data-version="1"' in page.text and 'data-version="2"' in page.text
    assert "first" in page.text  # commit message
    assert '"model": "gpt-4o"' in page.text  # the shown version's config
    removed = re.findall(r'class="d-removed"><span class="sign">-</span>([^<]*)<', page.text)
    added = re.findall(r'class="d-added"><span class="sign">\+</span>([^<]*)<', page.text)
    assert removed == ["Greet {{name}}."]
    assert "Greet {{name}} warmly." in added
    assert "  &#34;model&#34;: &#34;gpt-4o&#34;" in added  # the config is compared too
    assert "Be brief." not in removed + added
    # By default the production version is shown, compared with nothing older.
    default = await th.client.get(f"/ui/p/{project_id}/prompts/team/greeting")
    assert "Version 1" in default.text
    assert "one version only" in default.text
    unknown = await th.client.get(f"/ui/p/{project_id}/prompts/team/greeting?version=9&compare=x")
    assert unknown.status_code == 200
    assert "Version 1" in unknown.text
    missing = await th.client.get(f"/ui/p/{project_id}/prompts/nope")
    assert missing.status_code == 404


async def test_a_chat_prompt_shows_its_messages_by_role(th: Harness) -> None:
    await _seed(th)
    await log_in(th.client)
    project_id = await _project_id(th)
    page = await th.client.get(f"/ui/p/{project_id}/prompts/support")
    assert page.status_code == 200
    assert 'class="badge tool role">system<' in page.text
    assert "You help with {{product}}." in page.text
    assert "placeholder" in page.text and "history" in page.text


async def test_moving_a_label_changes_it_in_the_api_and_needs_the_csrf_token(
    th: Harness,
) -> None:
    await _seed(th)
    await log_in(th.client)
    project_id = await _project_id(th)
    url = f"/ui/p/{project_id}/prompts/team/greeting"
    token = csrf_of((await th.client.get(url)).text)
    forged = await th.client.post(f"{url}/labels", data={"label": "production", "version": "2"})
    assert forged.status_code == 403
    moved = await th.client.post(
        f"{url}/labels", data={"label": "production", "version": "2", "csrf_token": token}
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == f"{url}?version=2"
    api = await th.client.get("/api/v1/prompts/team/greeting", headers=th.auth)
    assert api.json()["version"] == 2
    assert "production" in api.json()["labels"]
    reserved = await th.client.post(
        f"{url}/labels", data={"label": "latest", "version": "1", "csrf_token": token}
    )
    assert reserved.status_code == 400
    missing = await th.client.post(
        f"{url}/labels", data={"label": "production", "version": "9", "csrf_token": token}
    )
    assert missing.status_code == 404


async def test_another_organizations_user_gets_404(th: Harness) -> None:
    await _seed(th)
    admin = await th.admin_token()
    org = await th.client.post("/api/v1/organizations", json={"name": "Other"}, headers=admin)
    assert org.status_code == 201, org.text
    other = await th.client.post(
        "/api/v1/projects", json={"name": "other", "org_id": org.json()["id"]}, headers=admin
    )
    assert other.status_code == 201, other.text
    await log_in(th.client)
    project_id = await _project_id(th)
    other_id = other.json()["project"]["id"]
    members = f"/ui/p/{other_id}/settings/members"
    token = csrf_of((await th.client.get(f"/ui/p/{other_id}/settings")).text)
    added = await th.client.post(
        members,
        data={"email": "mallory@example.com", "password": "mallory pw 1", "csrf_token": token},
    )
    assert added.status_code == 303
    th.client.cookies.clear()
    await log_in(th.client, "mallory@example.com", "mallory pw 1")
    own = await th.client.get(f"/ui/p/{other_id}/prompts")
    assert own.status_code == 200
    url = f"/ui/p/{project_id}/prompts"
    assert (await th.client.get(url)).status_code == 404
    assert (await th.client.get(f"{url}/team/greeting")).status_code == 404
    denied = await th.client.post(
        f"{url}/team/greeting/labels",
        data={"label": "production", "version": "2", "csrf_token": csrf_of(own.text)},
    )
    assert denied.status_code == 404
    api = await th.client.get("/api/v1/prompts/team/greeting", headers=th.auth)
    assert api.json()["version"] == 1


async def test_creating_a_prompt_and_editing_it_as_a_new_version(th: Harness) -> None:
    await log_in(th.client)
    project_id = await _project_id(th)
    url = f"/ui/p/{project_id}/prompts"
    listing = await th.client.get(url)
    assert 'id="create-prompt"' in listing.text
    token = csrf_of(listing.text)
    created = await th.client.post(
        url,
        data={
            "name": "team/answer",
            "type": "text",
            "prompt": "Answer {{question}}.",
            "config": '{"model": "gpt-4o-mini"}',
            "labels": "staging",
            "commit_message": "first cut",
            "csrf_token": token,
        },
    )
    assert created.status_code == 303
    assert created.headers["location"] == f"{url}/team/answer"
    again = await th.client.post(
        url, data={"name": "team/answer", "prompt": "x", "csrf_token": token}
    )
    assert again.status_code == 409  # a new prompt never adds to an existing one
    page = await th.client.get(f"{url}/team/answer")
    assert 'id="new-version"' in page.text
    assert "Answer {{question}}.</textarea>" in page.text  # the edit form starts from it
    edited = await th.client.post(
        f"{url}/team/answer/versions",
        data={"type": "text", "prompt": "Answer {{question}} briefly.", "csrf_token": token},
    )
    assert edited.status_code == 303
    assert edited.headers["location"] == f"{url}/team/answer?version=2"
    api = (await th.client.get("/api/v1/prompts/team/answer?label=latest", headers=th.auth)).json()
    assert (api["version"], api["prompt"], api["config"]) == (
        2,
        "Answer {{question}} briefly.",
        None,
    )
    first = (
        await th.client.get("/api/v1/prompts/team/answer?label=staging", headers=th.auth)
    ).json()
    assert (first["version"], first["config"], first["commit_message"]) == (
        1,
        {"model": "gpt-4o-mini"},
        "first cut",
    )
    bad = await th.client.post(
        url,
        data={"name": "c", "type": "chat", "prompt": "[{oops", "csrf_token": token},
    )
    assert bad.status_code == 400
    assert "not valid JSON" in bad.text
    chat = await th.client.post(
        url,
        data={
            "name": "c",
            "type": "chat",
            "prompt": '[{"role": "system", "content": "Be kind."}]',
            "csrf_token": token,
        },
    )
    assert chat.status_code == 303
    wrong = await th.client.post(
        f"{url}/c/versions", data={"type": "text", "prompt": "x", "csrf_token": token}
    )
    assert wrong.status_code == 400


async def test_removing_a_label(th: Harness) -> None:
    await _seed(th)
    await log_in(th.client)
    project_id = await _project_id(th)
    url = f"/ui/p/{project_id}/prompts/team/greeting"
    page = await th.client.get(f"{url}?version=1")
    assert 'aria-label="Remove label production"' in page.text
    assert 'aria-label="Remove label latest"' not in (await th.client.get(url + "?version=2")).text
    token = csrf_of(page.text)
    removed = await th.client.post(
        f"{url}/labels/remove", data={"label": "production", "version": "1", "csrf_token": token}
    )
    assert removed.status_code == 303
    gone = await th.client.get("/api/v1/prompts/team/greeting?label=production", headers=th.auth)
    assert gone.status_code == 404
    again = await th.client.post(
        f"{url}/labels/remove", data={"label": "production", "version": "1", "csrf_token": token}
    )
    assert again.status_code == 404


async def test_a_read_only_person_sees_no_prompt_forms_and_cannot_write(
    th: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _seed(th)
    await log_in(th.client)
    project_id = await _project_id(th)
    url = f"/ui/p/{project_id}/prompts"
    token = csrf_of((await th.client.get(url)).text)
    original = Viewer.scope
    monkeypatch.setattr(
        Viewer, "scope", lambda self, pid, access="write": original(self, pid, "read")
    )
    listing = (await th.client.get(url)).text
    page = (await th.client.get(f"{url}/team/greeting?version=1")).text
    assert 'id="create-prompt"' not in listing
    assert not [f for f in ('id="new-version"', 'id="move-label"', "Remove label") if f in page]
    writes = [
        (url, {"name": "x", "prompt": "x"}),
        (f"{url}/team/greeting/versions", {"prompt": "x"}),
        (f"{url}/team/greeting/labels", {"label": "staging", "version": "1"}),
        (f"{url}/team/greeting/labels/remove", {"label": "production"}),
    ]
    for target, fields in writes:
        refused = await th.client.post(target, data={"csrf_token": token, **fields})
        assert refused.status_code == 403, target
