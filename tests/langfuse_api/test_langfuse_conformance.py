"""What the Langfuse SDK's own end-to-end suite checks, kept in our suite (SQLite and PostgreSQL;
the tests marked `clickhouse`, those that read traces back, on PostgreSQL + chDB too):
SDK 4.x's JSON-text metadata and string I/O read back decoded, a propagated trace name outlives
the root span, the root's metadata is the trace's, prompt labels in Langfuse's order, observations
linked to their prompt version (`promptId`), dataset items newest first, and a fixed first-start
project id. Read back through
the Langfuse API (parsed with the real `langfuse` package's models where 5.x still has them; the
v1 trace and observation views it dropped are read as the JSON 4.x parses).

The OTLP payloads are what `langfuse` 4.14.3 sends (`langfuse/_client/attributes.py`): metadata
values that are not `str` or `int` JSON-encoded, strings as they are; input/output likewise."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from langfuse.api import ObservationV2, Project, Prompt_Text
from langfuse.api.core.pydantic_utilities import parse_obj_as
from tests.conftest import PUBLIC_KEY, SECRET_KEY, Harness, make_settings, start

pytestmark = pytest.mark.anyio

BASIC = {
    "Authorization": "Basic " + base64.b64encode(f"{PUBLIC_KEY}:{SECRET_KEY}".encode()).decode()
}
OTLP = "/api/public/otel/v1/traces"
TRACE = "6c0f6e1d2a3b4c5d6e7f8091a2b3c4d5"
ROOT = "1111111111111111"
CHILD = "2222222222222222"


def attributes(**values: Any) -> list[dict[str, Any]]:
    """OTLP attributes from `langfuse__observation__metadata__tags='…'` style keywords."""
    out = []
    for name, value in values.items():
        key = name.replace("__", ".")
        typed = {"intValue": value} if isinstance(value, int) else {"stringValue": value}
        out.append({"key": key, "value": typed})
    return out


def span(span_id: str, name: str, parent: str = "", end_s: int = 1, **attrs: Any) -> dict[str, Any]:
    return {
        "traceId": TRACE,
        "spanId": span_id,
        "parentSpanId": parent,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": "1762000000000000000",
        "endTimeUnixNano": f"176200000{end_s}000000000",
        "attributes": attributes(**attrs),
    }


async def send(th: Harness, *spans: dict[str, Any], sdk: str = "4.14.3") -> None:
    body = {
        "resourceSpans": [
            {
                "resource": {"attributes": attributes(service__name="app")},
                "scopeSpans": [
                    {"scope": {"name": "langfuse-sdk", "version": sdk}, "spans": list(spans)}
                ],
            }
        ]
    }
    response = await th.client.post(OTLP, json=body, headers=BASIC)
    assert response.status_code == 200, response.text


async def read(th: Harness, path: str) -> Any:
    response = await th.client.get(path, headers=BASIC)
    assert response.status_code == 200, response.text
    return response.json()


async def read_trace(th: Harness, trace_id: str = TRACE) -> Any:
    return await read(th, f"/api/public/traces/{trace_id}")


@pytest.mark.clickhouse
async def test_sdk4_metadata_and_string_io_read_back_decoded(th: Harness) -> None:
    await send(
        th,
        span(
            CHILD,
            "gen",
            ROOT,
            langfuse__observation__type="generation",
            langfuse__observation__metadata__tags='["yo"]',
            langfuse__observation__metadata__count="0",
            langfuse__observation__metadata__note="plain words",
            langfuse__observation__metadata__n=7,
            langfuse__observation__input='{"question": "1 + 1?"}',
            langfuse__observation__output="2",
        ),
        span(ROOT, "root", langfuse__trace__metadata__flags='{"beta": true}'),
    )
    gen = await read(th, f"/api/public/observations/{CHILD}")
    assert (gen["metadata"]["tags"], gen["metadata"]["count"]) == (["yo"], 0)
    assert (gen["metadata"]["note"], gen["metadata"]["n"]) == ("plain words", 7)
    assert gen["input"] == {"question": "1 + 1?"} and gen["output"] == 2
    assert (await read_trace(th))["metadata"]["flags"] == {"beta": True}


@pytest.mark.clickhouse
async def test_sdk5_metadata_stays_exact(th: Harness) -> None:
    # v5 JSON-encodes every metadata value, strings too: "0" the string stays a string.
    await send(th, span(ROOT, "root", langfuse__observation__metadata__count='"0"'), sdk="5.2.0")
    assert (await read(th, f"/api/public/observations/{ROOT}"))["metadata"]["count"] == "0"


@pytest.mark.clickhouse
@pytest.mark.parametrize("together", [False, True])
async def test_propagated_trace_name_outlives_the_root_ending_last(
    th: Harness, together: bool
) -> None:
    # propagate_attributes(trace_name=…) inside the root: only the child carries the name.
    child = span(CHILD, "gen", ROOT, langfuse__trace__name="qa-request")
    root = span(ROOT, "parent-0", end_s=2)
    if together:
        await send(th, child, root)
    else:
        await send(th, child)
        await send(th, root)
    assert (await read_trace(th))["name"] == "qa-request"


@pytest.mark.clickhouse
async def test_a_root_alone_names_its_trace(th: Harness) -> None:
    await send(th, span(ROOT, "parent-0"))
    assert (await read_trace(th))["name"] == "parent-0"
    await send(th, span(ROOT, "parent-0", langfuse__trace__name="renamed"))
    assert (await read_trace(th))["name"] == "renamed"


@pytest.mark.clickhouse
async def test_root_observation_metadata_is_the_traces(th: Harness) -> None:
    # An experiment item's root span carries the experiment's names as observation metadata.
    await send(
        th,
        span(CHILD, "experiment-item-task", ROOT, langfuse__observation__metadata__step="task"),
        span(
            ROOT,
            "experiment-item-run",
            langfuse__observation__metadata__experiment_name="Euro capitals",
            langfuse__observation__metadata__dataset_id="ds-1",
            langfuse__trace__metadata__dataset_id="ds-2",
        ),
    )
    metadata = (await read_trace(th))["metadata"]
    assert metadata["experiment_name"] == "Euro capitals"
    assert metadata["dataset_id"] == "ds-2"  # the trace's own key wins
    assert "step" not in metadata


async def create_prompt(th: Harness, **body: Any) -> dict[str, Any]:
    response = await th.client.post("/api/public/v2/prompts", json=body, headers=BASIC)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_prompt_labels_in_langfuses_order(th: Harness) -> None:
    created = await create_prompt(
        th, name="qa", prompt="Hi {{x}}", labels=["staging", "production"]
    )
    assert created["labels"] == ["staging", "production", "latest"]
    got = await th.client.get("/api/public/v2/prompts/qa", headers=BASIC)
    assert parse_obj_as(Prompt_Text, {**got.json(), "type": "text"}).labels == [
        "staging",
        "production",
        "latest",
    ]
    second = await create_prompt(th, name="qa", prompt="Hello {{x}}", labels=["production"])
    assert second["labels"] == ["production", "latest"]
    patched = await th.client.patch(
        "/api/public/v2/prompts/qa/versions/1", json={"newLabels": ["canary"]}, headers=BASIC
    )
    assert patched.json()["labels"] == ["staging", "canary"]


@pytest.mark.clickhouse
async def test_observations_carry_their_prompt_version_id(th: Harness) -> None:
    await create_prompt(th, name="qa", prompt="v1")
    v2 = await create_prompt(th, name="qa", prompt="v2")
    await send(
        th,
        span(
            CHILD,
            "gen",
            ROOT,
            langfuse__observation__type="generation",
            langfuse__observation__prompt__name="qa",
            langfuse__observation__prompt__version=2,
        ),
        span(ROOT, "root"),
    )
    trace = await read_trace(th)
    assert {o["id"]: o["promptId"] for o in trace["observations"]} == {CHILD: v2["id"], ROOT: None}
    assert (await read(th, f"/api/public/observations/{CHILD}"))["promptId"] == v2["id"]
    listed = await read(th, "/api/public/observations?name=gen")
    assert [o["promptId"] for o in listed["data"]] == [v2["id"]]
    v2_list = await read(th, "/api/public/v2/observations?fields=core,basic,prompt")
    parsed = parse_obj_as(list[ObservationV2], v2_list["data"])
    assert {o.id: o.prompt_id for o in parsed} == {CHILD: v2["id"], ROOT: None}


async def test_dataset_items_newest_first(th: Harness) -> None:
    # The SDK's get_dataset lists the items; Langfuse answers the newest first.
    response = await th.client.post("/api/public/v2/datasets", json={"name": "ds"}, headers=BASIC)
    assert response.status_code == 200, response.text
    for text in ("first", "second", "third"):
        body = {"datasetName": "ds", "input": text}
        made = await th.client.post("/api/public/dataset-items", json=body, headers=BASIC)
        assert made.status_code == 200, made.text
    items = await read(th, "/api/public/dataset-items?datasetName=ds&page=1&limit=50")
    assert [i["input"] for i in items["data"]] == ["third", "second", "first"]


async def test_first_start_takes_a_fixed_project_id(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    fixed = "7a88fb47-b4e2-43b8-a06c-a5ce950dc53a"
    settings = make_settings(db_kind, tmp_path, request, init_project_id=fixed)
    async for th in start(settings):
        response = await th.client.get("/api/public/projects", headers=BASIC)
        assert parse_obj_as(Project, response.json()["data"][0]).id == fixed
