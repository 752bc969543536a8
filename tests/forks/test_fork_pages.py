"""Fork and diff pages: "Compare with…" from a trace to the diff page (divergence marked),
"Fork from here" on an observation, the forks list and one fork's page with its replay form
(bad input shown back, nothing written; viewers see no form)."""

from __future__ import annotations

import re

import pytest
from tests.conftest import Harness
from tests.forks.conftest import agent_trace, send, variant
from tests.forks.test_replay_api import (
    credential,
    finished,
    fork_at,
    fresh_script,
    provider_url,
    weather_trace,
)
from tests.ui.conftest import csrf_of, log_in
from tests.ui.test_datasets import set_role

pytestmark = pytest.mark.anyio
__all__ = ["fresh_script", "provider_url"]  # fixtures used here


async def _project(th: Harness) -> str:
    await log_in(th.client)
    projects = (await th.client.get("/api/v1/projects", headers=await th.admin_token())).json()
    return str(projects["data"][0]["id"])


async def test_compare_with_opens_the_diff_page(th: Harness) -> None:
    await send(th, agent_trace("run-a"))
    await send(th, variant("run-b", "It is in Paris."))
    pid = await _project(th)
    trace_page = await th.client.get(f"/ui/p/{pid}/traces/run-a")
    assert "Compare with…" in trace_page.text
    go = await th.client.get(f"/ui/p/{pid}/traces/run-a/compare", params={"with": "run-b"})
    assert go.status_code == 303
    assert go.headers["location"] == f"/ui/p/{pid}/traces/run-a/diff/run-b"
    page = await th.client.get(go.headers["location"])
    assert page.status_code == 200
    assert "Diverges at step 4" in page.text and 'id="divergence"' in page.text
    assert "+It is in Paris." in page.text.replace("&#43;", "+")
    missing = await th.client.get(f"/ui/p/{pid}/traces/run-a/diff/nope")
    assert missing.status_code == 404


async def test_fork_from_here_then_list_and_delete(th: Harness) -> None:
    await send(th, agent_trace("run-a"))
    pid = await _project(th)
    detail = await th.client.get(f"/ui/p/{pid}/traces/run-a/observations/answer")
    assert "Fork from here" in detail.text
    fields = {"csrf_token": csrf_of(detail.text), "trace_id": "run-a", "span_id": "answer"}
    created = await th.client.post(f"/ui/p/{pid}/forks", data=fields)
    assert created.status_code == 303
    fork_id = re.search(r"/forks/([0-9a-f-]{36})$", created.headers["location"]).group(1)
    page = await th.client.get(created.headers["location"])
    assert page.status_code == 200
    assert "Steps before the fork point" in page.text and "track_parcel" in page.text
    listing = await th.client.get(f"/ui/p/{pid}/forks")
    assert fork_id in listing.text and "run-a" in listing.text
    gone = await th.client.post(
        f"/ui/p/{pid}/forks/{fork_id}/delete", data={"csrf_token": csrf_of(listing.text)}
    )
    assert gone.status_code == 303
    assert fork_id not in (await th.client.get(f"/ui/p/{pid}/forks")).text


async def test_the_replay_form_replays_and_refuses_bad_input(
    th: Harness, provider_url: str
) -> None:
    await send(th, weather_trace())
    await credential(th, provider_url)
    fork_id = await fork_at(th, "ask")
    pid = await _project(th)
    page = await th.client.get(f"/ui/p/{pid}/forks/{fork_id}")
    assert 'id="replay-form"' in page.text and "You are a weather bot." in page.text
    assert 'name="override:tool"' in page.text  # a recorded tool step after the fork point
    token = csrf_of(page.text)
    url = f"/ui/p/{pid}/forks/{fork_id}/replay"
    bad = await th.client.post(url, data={"csrf_token": token, "messages": "[{oops"})
    assert bad.status_code == 400 and "`messages` is not valid JSON" in bad.text
    assert "[{oops" in bad.text  # what was typed stays in the form
    worse = await th.client.post(url, data={"csrf_token": token, "temperature": "hot"})
    assert worse.status_code == 400 and "must be a number" in worse.text
    assert (await th.client.get(f"/api/v1/forks/{fork_id}/replays", headers=th.auth)).json()[
        "data"
    ] == []
    fields = {"csrf_token": token, "temperature": "0", "override:tool": '{"sky": "hail"}'}
    sent = await th.client.post(url, data=fields)
    assert sent.status_code == 303 and sent.headers["location"].endswith("#replays")
    listed = (await th.client.get(f"/api/v1/forks/{fork_id}/replays", headers=th.auth)).json()
    done = await finished(th, listed["data"][0]["id"])
    assert done["state"] == "completed", done
    assert done["request"]["tool_results"] == [{"span_id": "tool", "output": {"sky": "hail"}}]
    page = await th.client.get(f"/ui/p/{pid}/forks/{fork_id}")
    assert 'data-state="completed"' in page.text and "Diff with the source" in page.text
    assert f"/diff/{done['trace_id']}" in page.text
    replay_page = await th.client.get(f"/ui/p/{pid}/traces/{done['trace_id']}")
    assert "Replay of" in replay_page.text and f"/forks/{fork_id}" in replay_page.text
    assert f"/traces/weather/diff/{done['trace_id']}" in replay_page.text


async def test_viewers_see_replays_but_no_replay_form(th: Harness, provider_url: str) -> None:
    await send(th, weather_trace())
    await credential(th, provider_url)
    fork_id = await fork_at(th, "ask")
    pid = await _project(th)
    token = csrf_of((await th.client.get(f"/ui/p/{pid}/forks/{fork_id}")).text)
    await set_role(th, "viewer")
    page = await th.client.get(f"/ui/p/{pid}/forks/{fork_id}")
    assert page.status_code == 200 and 'id="replays"' in page.text
    assert 'id="replay-form"' not in page.text and "/delete" not in page.text
    refused = await th.client.post(
        f"/ui/p/{pid}/forks/{fork_id}/replay", data={"csrf_token": token}
    )
    assert refused.status_code == 403
