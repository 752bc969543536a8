"""The web UI over the real app on SQLite and PostgreSQL: login, pages, filters, settings."""

from __future__ import annotations

import re

import pytest
from tests.conftest import Harness
from tests.ui.conftest import csrf_of, log_in

pytestmark = pytest.mark.anyio


async def _project_id(th: Harness) -> str:
    response = await th.client.get("/ui/")
    assert response.status_code == 303
    match = re.match(r"/ui/p/([^/]+)/traces", response.headers["location"])
    assert match
    return match.group(1)


async def _seed(th: Harness) -> None:
    for i in range(3):
        body = {
            "id": f"ui-trace-{i}",
            "name": "chat" if i else "search",
            "user_id": f"user-{i % 2}",
            "session_id": "conv-1",
            "tags": ["beta"] if i == 2 else [],
            "input": [{"role": "user", "content": f"question {i}"}],
            "output": {"role": "assistant", "content": f"answer {i}"},
            "observations": [
                {
                    "id": f"ui-obs-{i}",
                    "type": "generation",
                    "name": "llm",
                    "model": "gpt-4o",
                    "input": [{"role": "user", "content": "hi"}],
                    "output": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"id": "c1", "function": {"name": "lookup", "arguments": "{}"}}
                        ],
                    },
                    "usage": {"input_tokens": 10, "output_tokens": 5},
                    "level": "ERROR" if i == 1 else "DEFAULT",
                }
            ],
        }
        response = await th.client.post("/api/v1/traces", json=body, headers=th.auth)
        assert response.status_code == 201, response.text


async def test_pages_need_a_login_and_the_login_form_needs_its_csrf_token(th: Harness) -> None:
    response = await th.client.get("/ui/p/anything/traces?status=ok")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/ui/login?next=/ui/p/anything/traces")
    await th.client.get("/ui/login")
    forged = await th.client.post(
        "/ui/login", data={"email": "admin@example.com", "password": "x", "csrf_token": "nope"}
    )
    assert forged.status_code == 403
    wrong = await log_in(th.client, password="wrong password")
    assert wrong.status_code == 401
    assert "Wrong e-mail or password" in wrong.text


async def test_login_sets_a_secure_session_cookie_and_logout_ends_it(th: Harness) -> None:
    response = await log_in(th.client)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "th_session=tht_" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    project_id = await _project_id(th)
    page = await th.client.get(f"/ui/p/{project_id}/traces")
    assert page.status_code == 200
    assert "Send your first trace" in page.text
    assert "pk-th-test-public" in page.text  # the example names the project's key
    token = csrf_of(page.text)
    no_csrf = await th.client.post("/ui/logout", data={})
    assert no_csrf.status_code == 403
    out = await th.client.post("/ui/logout", data={"csrf_token": token})
    assert out.status_code == 303
    again = await th.client.get(f"/ui/p/{project_id}/traces")
    assert again.status_code == 303


async def test_trace_list_filters_search_sort_and_pages(th: Harness) -> None:
    await _seed(th)
    await log_in(th.client)
    project_id = await _project_id(th)
    base = f"/ui/p/{project_id}/traces"
    everything = await th.client.get(base)
    assert all(f"ui-trace-{i}" in everything.text for i in range(3))
    untidy = await th.client.get(base, params={"user_id": "user-1", "status": ""})
    assert untidy.status_code == 303  # the URL holds only the filters that are set
    assert untidy.headers["location"] == f"{base}?user_id=user-1"
    by_user = await th.client.get(untidy.headers["location"])
    assert "ui-trace-1" in by_user.text
    assert "ui-trace-0" not in by_user.text
    assert "ui-trace-2" not in by_user.text
    found = await th.client.get(base, params={"q": "question 2"})
    assert "ui-trace-2" in found.text
    assert "ui-trace-1" not in found.text
    tagged = await th.client.get(base, params={"tags": "beta"})
    assert "ui-trace-2" in tagged.text
    assert "ui-trace-0" not in tagged.text
    bad = await th.client.get(base, params={"min_latency": "fast"})
    assert "Ignored invalid filters: min_latency" in bad.text
    rows = await th.client.get(base, params={"_partial": "rows", "order": "asc"})
    assert "<html" not in rows.text
    assert rows.headers["x-total-count"] == "3"
    ids = re.findall(r'data-id="(ui-trace-\d)"', rows.text)
    assert ids == ["ui-trace-0", "ui-trace-1", "ui-trace-2"]


@pytest.mark.clickhouse
async def test_trace_page_shows_tree_waterfall_and_observation_detail(th: Harness) -> None:
    await _seed(th)
    await log_in(th.client)
    project_id = await _project_id(th)
    page = await th.client.get(f"/ui/p/{project_id}/traces/ui-trace-1")
    assert page.status_code == 200
    assert 'data-id="ui-obs-1"' in page.text
    assert 'class="node error"' in page.text
    assert "question 1" in page.text  # the trace's chat input, as a conversation
    assert "role-user" in page.text
    detail = await th.client.get(f"/ui/p/{project_id}/traces/ui-trace-1/observations/ui-obs-1")
    assert detail.status_code == 200
    assert "gpt-4o" in detail.text
    assert "tool call" in detail.text
    assert "lookup" in detail.text
    token = csrf_of(page.text)
    voted = await th.client.post(
        f"/ui/p/{project_id}/traces/ui-trace-1/feedback",
        data={"value": "-1", "comment": "wrong tool", "csrf_token": token},
    )
    assert voted.status_code == 303
    feedback = await th.client.get("/api/v1/traces/ui-trace-1/feedback", headers=th.auth)
    assert [(f["value"], f["comment"]) for f in feedback.json()["data"]] == [(-1, "wrong tool")]
    assert "wrong tool" in (await th.client.get(f"/ui/p/{project_id}/traces/ui-trace-1")).text
    missing = await th.client.get(f"/ui/p/{project_id}/traces/nope")
    assert missing.status_code == 404
    assert "<html" in missing.text


@pytest.mark.clickhouse
async def test_sessions_and_dashboard(th: Harness) -> None:
    await _seed(th)
    await log_in(th.client)
    project_id = await _project_id(th)
    sessions = await th.client.get(f"/ui/p/{project_id}/sessions")
    assert "conv-1" in sessions.text
    one = await th.client.get(f"/ui/p/{project_id}/sessions/conv-1")
    assert one.text.index("answer 0") < one.text.index("answer 2")
    history = [
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": "follow-up question"},
    ]
    turns = [
        {"id": "ui-turn-1", "session_id": "conv-2", "input": history[:1], "output": "first answer"},
        {"id": "ui-turn-2", "session_id": "conv-2", "input": history, "output": "second"},
    ]
    for body in turns:
        assert (
            await th.client.post("/api/v1/traces", json=body, headers=th.auth)
        ).status_code == 201
    turn = await th.client.get(f"/ui/p/{project_id}/sessions/conv-2")
    assert "follow-up question" in turn.text
    assert turn.text.count("first question") == 1  # the second turn does not repeat it
    assert "2 earlier messages" in turn.text
    board = await th.client.get(f"/ui/p/{project_id}/dashboard", params={"range": "1h"})
    assert board.status_code == 200
    assert "<svg" in board.text
    assert "gpt-4o" in board.text
    assert "user-0" in board.text


async def test_settings_create_key_shown_once_and_revoke(th: Harness) -> None:
    await log_in(th.client)
    project_id = await _project_id(th)
    settings = await th.client.get(f"/ui/p/{project_id}/settings")
    token = csrf_of(settings.text)
    forged = await th.client.post(
        f"/ui/p/{project_id}/settings/keys", data={"name": "ci", "csrf_token": "forged"}
    )
    assert forged.status_code == 403
    created = await th.client.post(
        f"/ui/p/{project_id}/settings/keys",
        data={"name": "ci", "environment": "live", "access": "write", "csrf_token": token},
    )
    assert created.status_code == 200
    secret = re.search(r'id="new-secret-value">([^<]+)<', created.text)
    assert secret
    key_auth = {"Authorization": f"Bearer {secret.group(1)}"}
    assert (await th.client.get("/api/v1/traces", headers=key_auth)).status_code == 200
    shown_again = await th.client.get(f"/ui/p/{project_id}/settings")
    assert secret.group(1) not in shown_again.text
    key_id = re.search(r'data-key="([^"]+)">\s*<td>ci<', shown_again.text)
    assert key_id
    revoked = await th.client.post(
        f"/ui/p/{project_id}/settings/keys/{key_id.group(1)}/revoke", data={"csrf_token": token}
    )
    assert revoked.status_code == 303
    assert (await th.client.get("/api/v1/traces", headers=key_auth)).status_code == 401


async def test_retention_prices_and_members(th: Harness) -> None:
    await log_in(th.client)
    project_id = await _project_id(th)
    url = f"/ui/p/{project_id}/settings"
    token = csrf_of((await th.client.get(url)).text)
    await th.client.post(f"{url}/retention", data={"retention_days": "30", "csrf_token": token})
    await th.client.post(
        f"{url}/prices",
        data={
            "model_name": "my-model",
            "input_price": "1",
            "output_price": "2",
            "csrf_token": token,
        },
    )
    added = await th.client.post(
        f"{url}/members",
        data={
            "email": "bob@example.com",
            "password": "bob password",
            "role": "member",
            "csrf_token": token,
        },
    )
    assert added.status_code == 303
    page = (await th.client.get(url)).text
    assert 'value="30"' in page
    assert "my-model" in page
    assert "bob@example.com" in page


async def test_a_user_cannot_see_another_organizations_project(th: Harness) -> None:
    admin = await th.admin_token()
    org = await th.client.post("/api/v1/organizations", json={"name": "Other"}, headers=admin)
    assert org.status_code == 201, org.text
    other = await th.client.post(
        "/api/v1/projects",
        json={"name": "zz-hidden-project", "org_id": org.json()["id"]},
        headers=admin,
    )
    assert other.status_code == 201, other.text
    other_id = other.json()["project"]["id"]
    await log_in(th.client)
    project_id = await _project_id(th)
    token = csrf_of((await th.client.get(f"/ui/p/{project_id}/settings")).text)
    await th.client.post(
        f"/ui/p/{project_id}/settings/members",
        data={"email": "eve@example.com", "password": "eve password", "csrf_token": token},
    )
    th.client.cookies.clear()
    await log_in(th.client, "eve@example.com", "eve password")
    own = await th.client.get(f"/ui/p/{project_id}/traces")
    assert own.status_code == 200
    assert "zz-hidden-project" not in own.text  # not in the project picker
    for path in ("traces", "sessions", "dashboard", "settings"):
        response = await th.client.get(f"/ui/p/{other_id}/{path}")
        assert response.status_code == 404, path
    custom = {"from": "2026-01-01T00:00", "to": "2026-01-02T00:00"}
    hidden = await th.client.get(f"/ui/p/{other_id}/dashboard", params=custom)
    assert hidden.status_code == 404
    denied = await th.client.post(
        f"/ui/p/{project_id}/settings/keys", data={"name": "x", "csrf_token": csrf_of(own.text)}
    )
    assert denied.status_code == 403  # members see the project but do not manage keys


@pytest.mark.clickhouse
async def test_a_trace_of_a_thousand_observations_renders_every_node_once(th: Harness) -> None:
    observations = [
        {
            "id": f"big-{i}",
            "parent_id": None if i == 0 else f"big-{(i - 1) // 10}",
            "name": f"step {i}",
            "start_time": f"2026-01-01T00:00:{i // 100:02d}.{i % 100:02d}0Z",
            "end_time": f"2026-01-01T00:00:{i // 100:02d}.{i % 100:02d}5Z",
        }
        for i in range(1000)
    ]
    for first in range(0, 1000, 250):
        body = {"id": "big", "name": "big", "observations": observations[first : first + 250]}
        response = await th.client.post("/api/v1/traces", json=body, headers=th.auth)
        assert response.status_code == 201, response.text
    await log_in(th.client)
    project_id = await _project_id(th)
    page = await th.client.get(f"/ui/p/{project_id}/traces/big")
    assert page.status_code == 200
    ids = re.findall(r'data-id="(big-\d+)" data-depth="(\d+)"', page.text)
    assert len(ids) == 1000
    assert len({i for i, _ in ids}) == 1000
    depth = dict(ids)
    assert (depth["big-0"], depth["big-5"], depth["big-55"], depth["big-555"]) == (
        "0",
        "1",
        "2",
        "3",
    )
    # Inputs and outputs are not in the page: the detail pane loads one observation at a time.
    assert len(page.content) < 1_500_000


@pytest.mark.clickhouse
async def test_a_tool_step_shows_its_tool_beside_its_own_name(th: Harness) -> None:
    span = {
        "traceId": "8b8efff798038103d269b633813fc60c",
        "spanId": "cee19b7ec3c1b175",
        "name": "weather lookup",
        "startTimeUnixNano": "1796000000000000000",
        "endTimeUnixNano": "1796000001000000000",
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}},
            {"key": "gen_ai.tool.name", "value": {"stringValue": "get_weather"}},
        ],
    }
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    headers = {**th.auth, "Content-Type": "application/json"}
    assert (await th.client.post("/v1/traces", json=body, headers=headers)).status_code == 200
    await log_in(th.client)
    project_id = await _project_id(th)
    base = f"/ui/p/{project_id}/traces/{span['traceId']}"
    for path in (base, f"{base}/observations/{span['spanId']}"):
        page = (await th.client.get(path)).text
        assert "weather lookup" in page
        assert '<code class="muted small" title="tool">get_weather</code>' in page
