"""Trace ids with `/`, spaces and Unicode: read, feedback and delete by URL on every surface."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest
from tests.conftest import Harness
from tests.ui.conftest import csrf_of, log_in

pytestmark = pytest.mark.anyio

IDS = ["svc/checkout/42", "with space", "追踪 🚀/é", "/leading/and/trailing/"]


def _url(trace_id: str, slash: bool) -> str:
    """Percent-encoded, either with the slashes as they are or encoded as well (`%2F`)."""
    return quote(trace_id, safe="/" if slash else "")


async def _create(th: Harness, trace_id: str) -> None:
    body = {
        "id": trace_id,
        "name": "odd id",
        "observations": [{"id": f"{trace_id}#o", "name": "o"}],
    }
    response = await th.client.post("/api/v1/traces", json=body, headers=th.auth)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("slash", [True, False], ids=["slash", "encoded"])
async def test_native_api_reads_feedback_and_deletes_any_id(th: Harness, slash: bool) -> None:
    for trace_id in IDS:
        await _create(th, trace_id)
        url = f"/api/v1/traces/{_url(trace_id, slash)}"
        response = await th.client.get(url, headers=th.auth)
        assert response.status_code == 200, (trace_id, response.text)
        assert response.json()["id"] == trace_id
        assert response.json()["observations"][0]["id"] == f"{trace_id}#o"
        sent = await th.client.post(f"{url}/feedback", json={"value": 1}, headers=th.auth)
        assert sent.status_code == 201, sent.text
        listed = (await th.client.get(f"{url}/feedback", headers=th.auth)).json()
        assert [s["trace_id"] for s in listed["data"]] == [trace_id]
        assert (await th.client.delete(url, headers=th.auth)).status_code == 204
        assert (await th.client.get(url, headers=th.auth)).status_code == 404


async def test_a_prefix_of_a_slashed_id_is_not_found(th: Harness) -> None:
    await _create(th, "svc/checkout/42")
    response = await th.client.get("/api/v1/traces/svc/checkout", headers=th.auth)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("slash", [True, False], ids=["slash", "encoded"])
async def test_langfuse_api_reads_and_deletes_any_id(th: Harness, slash: bool) -> None:
    for trace_id in IDS:
        await _create(th, trace_id)
        url = f"/api/public/traces/{_url(trace_id, slash)}"
        response = await th.client.get(url, headers=th.auth)
        assert response.status_code == 200, (trace_id, response.text)
        assert response.json()["id"] == trace_id
        assert (await th.client.delete(url, headers=th.auth)).status_code == 200
        assert (await th.client.get(url, headers=th.auth)).status_code == 404


async def test_the_ui_links_to_reads_and_takes_feedback_on_any_id(th: Harness) -> None:
    for trace_id in IDS:
        await _create(th, trace_id)
    await log_in(th.client)
    traces = (await th.client.get("/ui/")).headers["location"]
    listing = (await th.client.get(traces)).text
    links = {html.unescape(h) for h in re.findall(r'<a href="([^"]+)">odd id</a>', listing)}
    assert len(links) == len(IDS)
    for link in links:
        page = await th.client.get(link)
        assert page.status_code == 200, (link, page.text[:300])
        trace_id = html.unescape(re.search(r'<dd class="mono">([^<]*)</dd>', page.text)[1])
        assert trace_id in IDS
        base = html.unescape(re.search(r'data-base="([^"]+)"', page.text)[1])
        detail = await th.client.get(base + quote(f"{trace_id}#o", safe=""))
        assert detail.status_code == 200, detail.text[:300]
        assert html.escape(f"{trace_id}#o") in detail.text
        action = html.unescape(re.search(r'action="([^"]+/feedback)"', page.text)[1])
        sent = await th.client.post(
            action, data={"value": "1", "comment": "", "csrf_token": csrf_of(page.text)}
        )
        assert sent.status_code == 303, sent.text[:300]
        assert (await th.client.get(sent.headers["location"])).status_code == 200
        feedback = await th.client.get(
            f"/api/v1/traces/{_url(trace_id, False)}/feedback", headers=th.auth
        )
        assert len(feedback.json()["data"]) == 1, (trace_id, action, feedback.text)


@pytest.mark.parametrize("slash", [True, False], ids=["slash", "encoded"])
async def test_observation_and_session_ids_with_slashes(th: Harness, slash: bool) -> None:
    """Observation and session ids are free text too: read (and patch) them by URL."""
    for n, trace_id in enumerate(IDS):
        session_id = f"tenant/{n} é"
        body = {
            "id": trace_id,
            "session_id": session_id,
            "observations": [{"id": f"{trace_id}#o", "name": "o"}],
        }
        created = await th.client.post("/api/v1/traces", json=body, headers=th.auth)
        assert created.status_code == 201, created.text
        observation = _url(f"{trace_id}#o", slash)
        read = await th.client.get(f"/api/v1/observations/{observation}", headers=th.auth)
        assert read.status_code == 200, (trace_id, read.text)
        assert read.json()["id"] == f"{trace_id}#o"
        patched = await th.client.patch(
            f"/api/v1/observations/{observation}", json={"name": "renamed"}, headers=th.auth
        )
        assert patched.status_code == 200, patched.text
        langfuse = await th.client.get(f"/api/public/observations/{observation}", headers=th.auth)
        assert langfuse.status_code == 200, langfuse.text
        assert (langfuse.json()["id"], langfuse.json()["name"]) == (f"{trace_id}#o", "renamed")
        session = _url(session_id, slash)
        native = await th.client.get(f"/api/v1/sessions/{session}", headers=th.auth)
        assert native.status_code == 200, native.text
        assert native.json()["id"] == session_id
        assert [t["id"] for t in native.json()["traces"]] == [trace_id]
        public = await th.client.get(f"/api/public/sessions/{session}", headers=th.auth)
        assert public.status_code == 200, public.text
        assert [t["id"] for t in public.json()["traces"]] == [trace_id]
