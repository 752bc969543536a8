"""The trace list page: chosen columns in order, input/output previews, filters on scores,
metadata and step level, a URL holding only what is set, saved views (save, open, delete; not
for viewers); and scores a person adds on any node of a trace through its score configs."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from tests.conftest import Harness
from tests.ui.conftest import csrf_of, log_in
from tests.ui.test_datasets import set_role
from tests.ui.test_pages import _project_id, _seed

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]


async def _ready(th: Harness) -> tuple[str, str]:
    await _seed(th)
    scores = [
        {"name": "accuracy", "value": 0.9, "traceId": "ui-trace-2"},
        {"name": "accuracy", "value": 0.2, "traceId": "ui-trace-1"},
    ]
    for body in scores:
        assert (await th.client.post("/api/v1/scores", json=body, headers=th.auth)).is_success
    meta = {"id": "ui-trace-0", "metadata": {"plan": "pro"}}
    assert (await th.client.post("/api/v1/traces", json=meta, headers=th.auth)).is_success
    await log_in(th.client)
    project_id = await _project_id(th)
    page = await th.client.get(f"/ui/p/{project_id}/traces")
    return project_id, csrf_of(page.text)


def _shown(html: str) -> list[str]:
    return re.findall(r'data-id="(ui-trace-\d)"', html)


async def test_columns_in_order_with_previews(th: Harness) -> None:
    project_id, _ = await _ready(th)
    base = f"/ui/p/{project_id}/traces"
    page = await th.client.get(f"{base}?cols=output,name,input")
    assert page.status_code == 200
    assert re.findall(r'data-column="(\w+)"', page.text) == ["output", "name", "input"]
    assert "answer 2" in page.text and "question 2" in page.text
    repeated = await th.client.get(f"{base}?cols=name&cols=cost&cols=bogus")
    assert repeated.status_code == 303
    assert repeated.headers["location"] == f"{base}?cols=name%2Ccost"
    default = await th.client.get(base)
    assert re.findall(r'data-column="(\w+)"', default.text)[:2] == ["time", "name"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("score_name=accuracy&score_op=>%3D&score_value=0.5", ["ui-trace-2"]),
        ("score=accuracy<0.5", ["ui-trace-1"]),
        ("meta_key=plan&meta_value=pro", ["ui-trace-0"]),
        ("level=ERROR", ["ui-trace-1"]),
    ],
    ids=["score-parts", "score", "metadata", "level"],
)
async def test_filters_on_scores_metadata_and_level(
    th: Harness, query: str, expected: list[str]
) -> None:
    project_id, _ = await _ready(th)
    response = await th.client.get(f"/ui/p/{project_id}/traces?{query}", follow_redirects=True)
    assert response.status_code == 200
    assert _shown(response.text) == expected
    assert "score_name" not in str(response.url) and "meta_key" not in str(response.url)


async def test_the_url_holds_only_what_is_set(th: Harness) -> None:
    project_id, _ = await _ready(th)
    base = f"/ui/p/{project_id}/traces"
    blank = "q=&name=&status=&sort=time&order=desc&score_name=&score_value=&meta_key=&tags="
    response = await th.client.get(f"{base}?{blank}")
    assert response.status_code == 303
    assert response.headers["location"] == base
    kept = await th.client.get(f"{base}?status=error&sort=latency&level=")
    assert kept.headers["location"] == f"{base}?status=error&sort=latency"


async def test_save_open_and_delete_a_view(th: Harness) -> None:
    project_id, token = await _ready(th)
    query = "score=accuracy>%3D0.5&sort=latency&cols=name,output"
    saved = await th.client.post(
        f"/ui/p/{project_id}/views",
        data={"name": "good answers", "query": query, "csrf_token": token},
    )
    assert saved.status_code == 303
    view = (await th.client.get("/api/v1/saved-views/good answers", headers=th.auth)).json()
    assert view["filters"] == {"score": ["accuracy>=0.5"], "sort": "latency"}
    assert view["columns"] == ["name", "output"]
    opened = await th.client.get(f"/ui/p/{project_id}/views/{view['id']}", follow_redirects=True)
    assert _shown(opened.text) == ["ui-trace-2"]
    assert "Views: <strong>good answers</strong>" in opened.text
    listed = await th.client.get(f"/ui/p/{project_id}/traces")
    assert 'data-view="good answers"' in listed.text
    gone = await th.client.post(
        f"/ui/p/{project_id}/views/{view['id']}/delete", data={"csrf_token": token}
    )
    assert gone.status_code == 303
    missing = await th.client.get("/api/v1/saved-views/good answers", headers=th.auth)
    assert missing.status_code == 404


async def test_a_bad_view_is_not_saved(th: Harness) -> None:
    project_id, token = await _ready(th)
    response = await th.client.post(
        f"/ui/p/{project_id}/views", data={"name": "", "query": "", "csrf_token": token}
    )
    assert response.status_code == 400
    assert "The view was not saved" in response.text
    listed = await th.client.get("/api/v1/saved-views", headers=th.auth)
    assert listed.json()["meta"]["total_count"] == 0


async def test_viewers_see_views_but_cannot_save_them(th: Harness) -> None:
    project_id, token = await _ready(th)
    await set_role(th, "viewer")
    page = await th.client.get(f"/ui/p/{project_id}/traces")
    assert 'id="save-view"' not in page.text
    refused = await th.client.post(
        f"/ui/p/{project_id}/views", data={"name": "mine", "query": "", "csrf_token": token}
    )
    assert refused.status_code == 403
    scored = await th.client.post(
        f"/ui/p/{project_id}/traces/ui-trace-1/scores",
        data={"name": "x", "value": "1", "csrf_token": token},
    )
    assert scored.status_code == 403


async def _queue(th: Harness, config: dict) -> None:
    body = {"name": f"q-{config['name']}", "score_config": config}
    response = await th.client.post("/api/v1/annotation-queues", json=body, headers=th.auth)
    assert response.status_code == 201, response.text


async def _score(th: Harness, project_id: str, token: str, **fields: str) -> int:
    response = await th.client.post(
        f"/ui/p/{project_id}/traces/ui-trace-1/scores", data={**fields, "csrf_token": token}
    )
    return response.status_code


async def test_scores_on_any_node_through_the_score_configs(th: Harness) -> None:
    project_id, token = await _ready(th)
    await _queue(th, {"name": "helpful", "data_type": "BOOLEAN"})
    await _queue(th, {"name": "tone", "data_type": "CATEGORICAL", "categories": ["calm", "rude"]})
    await _queue(th, {"name": "quality", "data_type": "NUMERIC", "min": 1, "max": 5})
    detail = f"/ui/p/{project_id}/traces/ui-trace-1/observations/ui-obs-1"
    form = await th.client.get(detail)
    assert 'data-score="tone"' in form.text and "<option>rude</option>" in form.text
    assert await _score(th, project_id, token, name="helpful", value="false") == 303
    on_step = dict(name="tone", value="rude", observation_id="ui-obs-1")
    assert await _score(th, project_id, token, **on_step) == 303
    assert await _score(th, project_id, token, name="quality", value="4") == 303
    assert await _score(th, project_id, token, name="free", value="0.25") == 303
    stored = (await th.client.get("/api/v1/scores?trace_id=ui-trace-1", headers=th.auth)).json()
    given = {s["name"]: (s["value"], s["observation_id"], s["source"]) for s in stored["data"]}
    assert given["helpful"] == (False, None, "annotation")
    assert given["tone"] == ("rude", "ui-obs-1", "annotation")
    assert given["quality"] == (4.0, None, "annotation")
    assert given["free"] == (0.25, None, "annotation")
    shown = await th.client.get(detail)
    assert re.search(r'id="node-scores".*tone</th><td>rude', shown.text, re.S)
    trace_page = await th.client.get(f"/ui/p/{project_id}/traces/ui-trace-1")
    assert "helpful false" in trace_page.text  # booleans read true/false everywhere


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "quality", "value": "9"},
        {"name": "tone", "value": "happy"},
        {"name": "quality", "value": "lots"},
        {"name": "", "value": "1"},
        {"name": "free", "value": "1", "observation_id": "ui-obs-2"},
        {"name": "free", "value": "1", "observation_id": "nope"},
    ],
    ids=["out-of-range", "unknown-category", "not-a-number", "no-name", "other-trace", "missing"],
)
async def test_bad_scores_are_refused_and_nothing_is_stored(th: Harness, fields: dict) -> None:
    project_id, token = await _ready(th)
    await _queue(th, {"name": "tone", "data_type": "CATEGORICAL", "categories": ["calm"]})
    await _queue(th, {"name": "quality", "data_type": "NUMERIC", "min": 1, "max": 5})
    status = await _score(th, project_id, token, **fields)
    assert status in (400, 404)
    stored = (await th.client.get("/api/v1/scores?trace_id=ui-trace-1", headers=th.auth)).json()
    assert [s["name"] for s in stored["data"]] == ["accuracy"]


async def test_tree_rows_show_model_tokens_and_cost(th: Harness) -> None:
    project_id, _ = await _ready(th)
    page = await th.client.get(f"/ui/p/{project_id}/traces/{quote('ui-trace-1')}")
    meta = re.findall(r'<span class="node-meta">(.*?)</span>\s*</span>', page.text, re.S)
    assert any("gpt-4o" in m and "15 tok" in m for m in meta), meta


async def test_no_page_shows_an_internal_doc_path(th: Harness) -> None:
    """Pages speak to the people using them: no `docs/…` paths of this repository."""
    await log_in(th.client)
    project_id = await _project_id(th)
    for page in ("traces", "prompts", "skills", "dashboard"):
        response = await th.client.get(f"/ui/p/{project_id}/{page}")
        assert response.status_code == 200
        assert not re.search(r"docs/[\w-]+\.md", response.text), page
