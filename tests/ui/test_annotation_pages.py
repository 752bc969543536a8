"""Annotation queues in the web UI over the real app (SQLite and PostgreSQL): create a queue
with its score config, fill it, work through its items, progress."""

from __future__ import annotations

import re

import httpx
import pytest
from tests.conftest import Harness
from tests.ui.conftest import csrf_of, log_in

from tracehouse.ui.session import Viewer

pytestmark = pytest.mark.anyio


async def _base(th: Harness) -> str:
    assert (await log_in(th.client)).status_code == 303
    location = (await th.client.get("/ui/")).headers["location"]
    match = re.match(r"(/ui/p/[^/]+)/traces", location)
    assert match
    return match.group(1)


async def _post(th: Harness, url: str, form_page: str, **fields: str) -> httpx.Response:
    token = csrf_of((await th.client.get(form_page)).text)
    return await th.client.post(url, data={"csrf_token": token, **fields})


async def _queue(th: Harness, base: str, **score: str) -> str:
    made = await _post(
        th, f"{base}/annotations", f"{base}/annotations", name="review", score_name="quality",
        **score,
    )  # fmt: skip
    assert made.status_code == 303, made.text
    return made.headers["location"]


async def _traces(th: Harness, *ids: str) -> None:
    for i in ids:
        body = {"id": i, "name": "qa", "input": f"question {i}", "output": f"answer {i}"}
        assert (await th.client.post("/api/v1/traces", json=body, headers=th.auth)).is_success


@pytest.mark.clickhouse
async def test_a_person_annotates_a_queue_item_by_item(th: Harness) -> None:
    base = await _base(th)
    empty = await th.client.get(f"{base}/annotations")
    assert "No annotation queues yet" in empty.text
    queue = await _queue(th, base, data_type="NUMERIC", min="1", max="5")
    assert "The queue is empty" in (await th.client.get(queue)).text
    await _traces(th, "a-1", "a-2", "a-3")
    added = await _post(th, f"{queue}/items", queue, trace_ids="a-1, a-2 a-3")
    assert added.status_code == 303
    page = await th.client.get(queue)
    assert "0 of 3 done" in page.text
    start = re.search(r'href="([^"]+)" id="start"', page.text)
    assert start
    item = await th.client.get(start.group(1))
    assert "question a-1" in item.text and "answer a-1" in item.text
    assert item.text.count('type="radio"') == 5  # 1..5, keys 1-5
    done = await _post(th, start.group(1), start.group(1), value="4", comment="good")
    assert done.status_code == 303
    second = await th.client.get(done.headers["location"])
    assert "question a-2" in second.text and "1 of 3 done" in second.text
    out_of_range = await _post(th, done.headers["location"], done.headers["location"], value="9")
    assert out_of_range.status_code == 400 and "within [1.0, 5.0]" in out_of_range.text
    again = await _post(th, start.group(1), start.group(1), value="3")
    assert again.status_code == 409
    first = await th.client.get(start.group(1))
    assert "Annotated by admin@example.com" in first.text
    scores = (await th.client.get("/api/v1/scores?trace_id=a-1", headers=th.auth)).json()
    [score] = scores["data"]
    assert (score["source"], score["value"], score["comment"]) == ("annotation", 4, "good")
    listed = await th.client.get(f"{base}/annotations")
    assert "1 / 3" in listed.text


async def test_boolean_and_category_queues_and_bad_input(th: Harness) -> None:
    base = await _base(th)
    await _traces(th, "b-1")
    bad = await _post(th, f"{base}/annotations", f"{base}/annotations", name="x",
                      score_name="label", data_type="CATEGORICAL")  # fmt: skip
    assert bad.status_code == 400 and "categories" in bad.text
    queue = await _queue(th, base, data_type="BOOLEAN")
    missing = await _post(th, f"{queue}/items", queue, trace_ids="no-such-trace")
    assert missing.status_code == 404
    await _post(th, f"{queue}/items", queue, trace_ids="b-1")
    page = await th.client.get(queue)
    start = re.search(r'href="([^"]+)" id="start"', page.text)
    assert start
    item = await th.client.get(start.group(1))
    assert "Yes" in item.text and "No" in item.text
    forged = await th.client.post(start.group(1), data={"value": "true"})
    assert forged.status_code == 403
    done = await _post(th, start.group(1), start.group(1), value="true")
    assert done.headers["location"] == queue  # the last item: back to the queue
    assert "Every item is annotated" in (await th.client.get(queue)).text
    scores = (await th.client.get("/api/v1/scores?trace_id=b-1", headers=th.auth)).json()
    assert scores["data"][0]["value"] == 1


async def test_a_read_only_person_sees_no_forms_and_cannot_write(
    th: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person whose scope only reads (a viewer role, or a page that reads): the evaluation and
    annotation pages show no form that changes anything, and posts are refused with 403."""
    base = await _base(th)
    queue = await _queue(th, base, data_type="BOOLEAN")
    await _traces(th, "r-1")
    await _post(th, f"{base}/annotations/{queue.rsplit('/', 1)[1]}/items", queue, trace_ids="r-1")
    item = re.search(r'href="([^"]+)" id="start"', (await th.client.get(queue)).text)
    assert item
    token = csrf_of((await th.client.get(queue)).text)
    original = Viewer.scope
    monkeypatch.setattr(
        Viewer, "scope", lambda self, pid, access="write": original(self, pid, "read")
    )
    pages = {
        f"{base}/evaluators": ("Add provider", "New evaluator"),
        f"{base}/evaluators/new": ("Create evaluator",),
        f"{base}/evaluations": ("Create evaluation",),
        f"{base}/evaluations/monitors": ("Create monitor",),
        f"{base}/annotations": ("Create queue",),
        queue: ("Add to queue", "Start annotating"),
        item.group(1): ('id="annotation"',),
    }
    for url, forms in pages.items():
        html = (await th.client.get(url)).text
        assert not [f for f in forms if f in html], url
    writes = [
        (f"{base}/annotations", {"name": "q2", "score_name": "s", "data_type": "BOOLEAN"}),
        (f"{queue}/items", {"trace_ids": "r-1"}),
        (item.group(1), {"value": "true"}),
        (f"{base}/evaluators/providers", {"name": "p", "api_key": "sk-x"}),
        (
            f"{base}/evaluators/new",
            {"action": "save", "name": "r", "kind": "code", "rule": "json_valid"},
        ),
    ]
    for url, fields in writes:
        refused = await th.client.post(url, data={"csrf_token": token, **fields})
        assert refused.status_code == 403, url
    assert (await th.client.get("/api/v1/evaluators", headers=th.auth)).json()["data"] == []
