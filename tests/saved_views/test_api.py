"""`/api/v1/saved-views`: save, list, get, change and delete named trace-list views, their
filters checked by the trace list's own parser, each view in its own project."""

from __future__ import annotations

import pytest
from tests.conftest import Harness

pytestmark = pytest.mark.anyio
URL = "/api/v1/saved-views"


async def save(th: Harness, body: dict, auth: dict | None = None) -> dict:
    response = await th.client.post(URL, json=body, headers=auth or th.auth)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_view_keeps_only_the_filters_that_are_set(th: Harness) -> None:
    body = {
        "name": "failing pro customers",
        "filters": {
            "status": "error",
            "score": ["accuracy<0.5"],
            "metadata": ["plan:pro"],
            "sort": "latency",
            "order": "desc",
            "tags": [],
        },
        "columns": ["time", "name", "input", "output", "cost"],
    }
    view = await save(th, body)
    assert view["filters"] == {
        "status": "error",
        "score": ["accuracy<0.5"],
        "metadata": ["plan:pro"],
        "sort": "latency",
    }
    assert view["columns"] == ["time", "name", "input", "output", "cost"]
    assert view["query"] == (
        "status=error&score=accuracy%3C0.5&metadata=plan%3Apro&sort=latency"
        "&cols=time%2Cname%2Cinput%2Coutput%2Ccost"
    )
    listed = (await th.client.get(URL, headers=th.auth)).json()
    assert [v["name"] for v in listed["data"]] == ["failing pro customers"]
    by_name = await th.client.get(f"{URL}/failing pro customers", headers=th.auth)
    assert by_name.json()["id"] == view["id"]


async def test_the_query_lists_the_same_traces_as_the_filters(th: Harness) -> None:
    for i, status in enumerate(("ok", "error", "error")):
        trace = {"id": f"t{i}", "name": "run", "status": status}
        assert (await th.client.post("/api/v1/traces", json=trace, headers=th.auth)).is_success
    view = await save(th, {"name": "errors", "filters": {"status": "error"}})
    assert view["query"] == "status=error"  # default columns are not in the query
    listed = await th.client.get(f"/api/v1/traces?{view['query']}", headers=th.auth)
    assert sorted(t["id"] for t in listed.json()["data"]) == ["t1", "t2"]


async def test_change_and_delete(th: Harness) -> None:
    view = await save(th, {"name": "slow", "filters": {"min_latency": 1000}})
    changed = await th.client.patch(
        f"{URL}/{view['id']}", json={"name": "very slow", "filters": {"min_latency": 5000}},
        headers=th.auth,
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json()["filters"] == {"min_latency": 5000.0}
    assert changed.json()["name"] == "very slow"
    gone = await th.client.delete(f"{URL}/{view['id']}", headers=th.auth)
    assert gone.status_code == 204
    missing = await th.client.get(f"{URL}/{view['id']}", headers=th.auth)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


async def test_a_taken_name_is_a_conflict(th: Harness) -> None:
    await save(th, {"name": "mine"})
    again = await th.client.post(URL, json={"name": "mine"}, headers=th.auth)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x", "filters": {"status": "broken"}},
        {"name": "x", "filters": {"score": ["accuracy"]}},
        {"name": "x", "filters": {"colour": "red"}},
        {"name": "x", "filters": {"sort": "size"}},
        {"name": "x", "columns": []},
        {"name": "x", "columns": ["time", "time"]},
        {"name": "x", "columns": ["secret"]},
    ],
    ids=["no-name", "status", "score", "unknown", "sort", "no-columns", "twice", "column"],
)
async def test_bad_views_are_refused_and_nothing_is_stored(th: Harness, body: dict) -> None:
    response = await th.client.post(URL, json=body, headers=th.auth)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"
    listed = (await th.client.get(URL, headers=th.auth)).json()
    assert listed["meta"]["total_count"] == 0


async def test_views_stay_in_their_project(th: Harness) -> None:
    view = await save(th, {"name": "ours", "filters": {"status": "error"}})
    _, other = await th.new_project("other")
    assert (await th.client.get(URL, headers=other)).json()["data"] == []
    for method in ("GET", "PATCH", "DELETE"):
        kwargs = {"json": {"name": "theirs"}} if method == "PATCH" else {}
        response = await th.client.request(method, f"{URL}/{view['id']}", headers=other, **kwargs)
        assert response.status_code == 404, (method, response.text)
    # the same name may be used in another project
    await save(th, {"name": "ours"}, auth=other)
    assert (await th.client.get(f"{URL}/{view['id']}", headers=th.auth)).json()["name"] == "ours"
