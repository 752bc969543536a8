"""A trace whose observations nest 1,000 deep: every read answers 200 and loses no observation."""

from __future__ import annotations

import re

import pytest
from tests.conftest import Harness
from tests.ui.conftest import log_in

from tracehouse.traces import render
from tracehouse.traces.render import TREE_DEPTH

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]

DEPTH = 1000


async def _seed_chain(th: Harness, trace_id: str = "deep") -> None:
    observations = [
        {"id": f"o{i}", "parentId": f"o{i - 1}" if i else None, "type": "span", "name": f"s{i}"}
        for i in range(DEPTH)
    ]
    body = {"id": trace_id, "name": "deep", "observations": observations}
    response = await th.client.post("/api/v1/traces", json=body, headers=th.auth)
    assert response.status_code == 201, response.text


def _walk(roots: list[dict]) -> list[tuple[dict, int]]:
    out, stack = [], [(node, 1) for node in reversed(roots)]
    while stack:
        node, level = stack.pop()
        out.append((node, level))
        stack.extend((child, level + 1) for child in reversed(node["children"]))
    return out


async def test_native_read_caps_the_tree_nesting_and_keeps_every_observation(
    th: Harness,
) -> None:
    await _seed_chain(th)
    response = await th.client.get("/api/v1/traces/deep", headers=th.auth)
    assert response.status_code == 200, response.text
    trace = response.json()  # parses with Python's json: nesting stays far below its limit
    assert len(trace["observations"]) == DEPTH
    nodes = _walk(trace["tree"])
    assert [node["id"] for node, _ in nodes] == [f"o{i}" for i in range(DEPTH)]
    assert max(level for _, level in nodes) == TREE_DEPTH + 1
    capped = nodes[TREE_DEPTH - 1][0]
    assert capped["id"] == f"o{TREE_DEPTH - 1}"
    assert capped["flattened"] is True
    assert capped["children"][0] == {
        "id": f"o{TREE_DEPTH}",
        "parent_id": f"o{TREE_DEPTH - 1}",
        "children": [],
    }
    assert capped["children"][-1]["parent_id"] == f"o{DEPTH - 2}"
    assert all("flattened" not in node for node, _ in nodes[: TREE_DEPTH - 1])


def test_a_capped_branching_tree_lists_descendants_depth_first() -> None:
    links = {"a": None, "b": "a", "c": "b", "d": "c", "e": "b", "f": "a", "g": None}
    tree = render.tree([{"id": k, "parent_id": v} for k, v in links.items()], max_depth=2)
    assert tree == [
        {
            "id": "a",
            "children": [
                {
                    "id": "b",
                    "flattened": True,
                    "children": [
                        {"id": "c", "parent_id": "b", "children": []},
                        {"id": "d", "parent_id": "c", "children": []},
                        {"id": "e", "parent_id": "b", "children": []},
                    ],
                },
                {"id": "f", "children": []},
            ],
        },
        {"id": "g", "children": []},
    ]
    assert render.tree([{"id": k, "parent_id": v} for k, v in links.items()], max_depth=None)[0][
        "children"
    ][0]["children"][0]["children"] == [{"id": "d", "children": []}]


async def test_langfuse_read_of_a_deep_trace(th: Harness) -> None:
    await _seed_chain(th)
    response = await th.client.get("/api/public/traces/deep", headers=th.auth)
    assert response.status_code == 200, response.text
    observations = response.json()["observations"]
    assert len(observations) == DEPTH
    parents = {o["id"]: o["parentObservationId"] for o in observations}
    assert parents["o999"] == "o998"


async def test_the_trace_page_renders_a_deep_trace_with_true_depths(th: Harness) -> None:
    await _seed_chain(th)
    await log_in(th.client)
    location = (await th.client.get("/ui/")).headers["location"]
    page = await th.client.get(location.replace("/traces", "/traces/deep"))
    assert page.status_code == 200, page.text[:500]
    rows = re.findall(r'data-id="(o\d+)" data-depth="(\d+)"', page.text)
    assert rows == [(f"o{i}", str(i)) for i in range(DEPTH)]
