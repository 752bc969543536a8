"""The evaluation lists page like every list: `limit`, a keyset `cursor` from
`meta.next_cursor` (stable while new rows arrive), or `offset`."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import Harness

pytestmark = pytest.mark.anyio


async def walk(ev: Harness, path: str, **params: Any) -> list[str]:
    """Every id of a list, following `next_cursor` two at a time."""
    ids: list[str] = []
    query: dict[str, Any] = {"limit": 2, **params}
    while True:
        body = (await ev.client.get(path, params=query, headers=ev.auth)).json()
        ids += [row["id"] for row in body["data"]]
        if not body["meta"]["has_more"]:
            assert body["meta"]["next_cursor"] is None
            return ids
        query["cursor"] = body["meta"]["next_cursor"]
        if len(ids) == 2:  # a row created mid-walk is newer: it does not shift the pages
            await ev.client.post(
                "/api/v1/evaluators",
                json={"name": f"late-{path}", "config": {"kind": "code", "rule": "json_valid"}},
                headers=ev.auth,
            )


async def test_evaluators_providers_evaluations_and_runs_page_by_cursor(ev: Harness) -> None:
    created = []
    for n in range(5):
        body = {"name": f"e{n}", "config": {"kind": "code", "rule": "json_valid"}}
        response = await ev.client.post("/api/v1/evaluators", json=body, headers=ev.auth)
        created.append(response.json()["id"])
    assert await walk(ev, "/api/v1/evaluators") == created[::-1]
    offset = await ev.client.get(
        "/api/v1/evaluators", params={"limit": 2, "offset": 5}, headers=ev.auth
    )
    assert offset.json()["meta"] == {"total_count": 6, "has_more": False, "next_cursor": None}
    assert len(offset.json()["data"]) == 1
    bad = await ev.client.get("/api/v1/evaluators", params={"cursor": "nope"}, headers=ev.auth)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_request"
    providers = []
    for n in range(3):
        body = {"name": f"p{n}", "apiKey": "sk-some-key-1234"}
        providers.append(
            (await ev.client.post("/api/v1/providers", json=body, headers=ev.auth)).json()["id"]
        )
    assert await walk(ev, "/api/v1/providers") == providers[::-1]
    evaluations = []
    for n in range(3):
        body = {"name": f"gate{n}", "criteria": ["e0"]}
        evaluations.append(
            (await ev.client.post("/api/v1/evaluations", json=body, headers=ev.auth)).json()["id"]
        )
    assert await walk(ev, "/api/v1/evaluations") == evaluations[::-1]
    runs = []
    for n in range(3):
        body = {"traceIds": [f"t{n}"], "evaluatorIds": ["e0"]}
        runs.append(
            (
                await ev.client.post("/api/v1/evaluations/trace-runs", json=body, headers=ev.auth)
            ).json()["id"]
        )
    assert await walk(ev, "/api/v1/evaluations/runs") == runs[::-1]
