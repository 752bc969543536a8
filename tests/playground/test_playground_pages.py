"""The playground page on SQLite and PostgreSQL: opened from a generation (the trace page's
node) and from a prompt version, the Run endpoint behind the session and its CSRF token, the
"save as prompt version" form, and what viewers may do."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from tests import fake_openai
from tests.conftest import Harness
from tests.playground.test_playground_api import MESSAGES, credential, events
from tests.ui.conftest import csrf_of, log_in
from tests.ui.test_prompts import _project_id

from tracehouse.ui.session import Viewer

pytestmark = pytest.mark.anyio


async def _seed(th: Harness) -> None:
    generation = {
        "id": "gen-1",
        "type": "generation",
        "model": "gpt-4o-mini",
        "provider": "openai",
        "modelParameters": {"temperature": 0.4},
        "input": MESSAGES,
        "output": "Paris.",
    }
    body = {"id": "t-1", "name": "qa", "observations": [generation, {"id": "span-1"}]}
    assert (await th.client.post("/api/v1/traces", json=body, headers=th.auth)).status_code == 201


def _state(page: str) -> dict[str, Any]:
    match = re.search(r'data-state="([^"]*)"', page)
    assert match, "no playground state on the page"
    return dict(json.loads(html.unescape(match[1])))


async def test_open_a_generation_and_run_it(th: Harness, llm: str) -> None:
    await _seed(th)
    await credential(th, "oa", "openai", llm)
    await log_in(th.client)
    project_id = await _project_id(th)
    base = f"/ui/p/{project_id}/traces/t-1/observations"
    node = (await th.client.get(f"{base}/gen-1")).text
    href = html.unescape(re.search(r'href="([^"]+)" id="open-playground"', node)[1])  # type: ignore[index]
    assert href == f"/ui/p/{project_id}/playground?observation=gen-1"
    assert 'id="open-playground"' not in (await th.client.get(f"{base}/span-1")).text
    page = (await th.client.get(href)).text
    state = _state(page)
    assert state["messages"] == MESSAGES and state["model"] == "gpt-4o-mini"
    assert state["params"] == {"temperature": 0.4} and state["credential"] == "oa"
    assert 'id="pg-run"' in page and "Recorded output" in page
    body = {"messages": MESSAGES, "targets": [{"provider": "oa", "model": "gpt-4o-mini"}]}
    headers = {"X-CSRF-Token": state["csrf"], "Accept": "text/event-stream"}
    ran = await th.client.post(state["runs_url"], json=body, headers=headers)
    assert ran.status_code == 200, ran.text
    assert events(ran.text)[-1][1]["runs"][0]["text"] == fake_openai.ANSWER
    forged = await th.client.post(
        state["runs_url"], json=body, headers={"Accept": "text/event-stream"}
    )
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "forbidden"


async def test_open_a_prompt_version_and_save_a_new_one(th: Harness) -> None:
    version = {
        "name": "capitals",
        "type": "chat",
        "prompt": MESSAGES,
        "config": {"model": "gpt-4o", "temperature": 0},
    }
    assert (
        await th.client.post("/api/v1/prompts", json=version, headers=th.auth)
    ).status_code == 201
    await log_in(th.client)
    project_id = await _project_id(th)
    prompt_page = (await th.client.get(f"/ui/p/{project_id}/prompts/capitals")).text
    href = html.unescape(re.search(r'href="([^"]+)" id="open-playground"', prompt_page)[1])  # type: ignore[index]
    page = (await th.client.get(href)).text
    assert _state(page)["messages"] == MESSAGES and _state(page)["model"] == "gpt-4o"
    assert 'id="pg-no-credentials"' in page
    edited = [MESSAGES[0], {"role": "user", "content": "And of Italy?"}]
    saved = await th.client.post(
        f"/ui/p/{project_id}/playground/save",
        data={
            "csrf_token": csrf_of(page),
            "name": "capitals",
            "messages": json.dumps(edited),
            "params": json.dumps({"temperature": 0.5}),
            "model": "gpt-4o",
            "commit_message": "ask about Italy",
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"].endswith("/prompts/capitals?version=2")
    stored = (await th.client.get("/api/v1/prompts/capitals?version=2", headers=th.auth)).json()
    assert stored["prompt"] == edited and stored["config"]["temperature"] == 0.5
    assert stored["commit_message"] == "ask about Italy"


async def test_viewers_see_the_playground_but_cannot_run_or_save(
    th: Harness, llm: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _seed(th)
    await credential(th, "oa", "openai", llm, defaultModel="gpt-4o-mini")
    await log_in(th.client)
    project_id = await _project_id(th)
    url = f"/ui/p/{project_id}/playground?observation=gen-1"
    token = csrf_of((await th.client.get(url)).text)
    original = Viewer.scope
    monkeypatch.setattr(
        Viewer, "scope", lambda self, pid, access="write": original(self, pid, "read")
    )
    page = (await th.client.get(url)).text
    assert 'id="pg-read-only"' in page and 'id="pg-run"' not in page and 'id="pg-save"' not in page
    fake_openai.SCRIPT.reset()
    body = {"messages": MESSAGES, "targets": [{}]}
    headers = {"X-CSRF-Token": _state(page)["csrf"], "Accept": "application/json"}
    refused = await th.client.post(
        f"/ui/p/{project_id}/playground/runs", json=body, headers=headers
    )
    assert refused.status_code == 403
    assert fake_openai.SCRIPT.requests == []
    save = {"csrf_token": token, "name": "x", "messages": json.dumps(MESSAGES)}
    assert (
        await th.client.post(f"/ui/p/{project_id}/playground/save", data=save)
    ).status_code == 403
    listed = await th.client.get("/api/v1/traces", params={"tags": "playground"}, headers=th.auth)
    assert listed.json()["data"] == []


async def test_another_projects_generation_is_not_found(th: Harness) -> None:
    await _seed(th)
    other_id, _ = await th.new_project("other")
    await log_in(th.client)
    missing = await th.client.get(f"/ui/p/{other_id}/playground?observation=gen-1")
    assert missing.status_code == 404
    empty = await th.client.get(f"/ui/p/{other_id}/playground")
    assert empty.status_code == 200 and 'id="pg-no-credentials"' in empty.text


async def test_the_trace_list_hides_playground_runs(th: Harness, llm: str) -> None:
    await _seed(th)
    await credential(th, "oa", "openai", llm, defaultModel="gpt-4o-mini")
    body = {"messages": MESSAGES, "targets": [{}], "stream": False}
    run = await th.client.post("/api/v1/playground/runs", json=body, headers=th.auth)
    trace_id = run.json()["runs"][0]["trace_id"]
    await log_in(th.client)
    url = f"/ui/p/{await _project_id(th)}/traces"
    everything = (await th.client.get(url)).text
    assert trace_id in everything and 'id="hide-playground"' in everything
    hidden = (await th.client.get(url, params={"exclude_tags": "playground"})).text
    assert trace_id not in hidden and "t-1" in hidden
    assert re.search(r'id="hide-playground" checked', hidden)
