"""Fork and diff pages: "Compare with…" from a trace to the diff page (divergence marked),
"Fork from here" on an observation, the forks list and one fork's page."""

from __future__ import annotations

import re

import pytest
from tests.conftest import Harness
from tests.forks.conftest import agent_trace, send, variant
from tests.ui.conftest import csrf_of, log_in

pytestmark = pytest.mark.anyio


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
