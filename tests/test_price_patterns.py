"""Custom price patterns are matched in linear time (RE2), and refused at save when RE2 cannot
match them so: a backtracking pattern no longer stalls the server."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import anyio
import httpx
import pytest
from tests.conftest import Harness

from tracehouse.pricing.catalog import CustomPrice, find_card
from tracehouse.pricing.patterns import MAX_LENGTH, literal

pytestmark = pytest.mark.anyio

BACKTRACKING = "(a+)+$"
LONG_MODEL = "a" * 10_000 + "!"  # Python's `re` takes seconds from ~25 `a` on, doubling each
STORED_MODEL = "a" * 199 + "!"


def test_backtracking_pattern_is_matched_in_linear_time() -> None:
    custom = [CustomPrice(match_pattern=BACKTRACKING, input=1.0, output=1.0)]
    started = time.monotonic()
    assert find_card(LONG_MODEL, None, None, custom) is None
    assert find_card("a" * 10_000, None, None, custom) is not None
    assert time.monotonic() - started < 1.0  # a guard against a stall, not a benchmark


@pytest.mark.parametrize("pattern", [r"(a)\1", r"gpt(?=-4)", r"(?<!x)gpt", "a" * (MAX_LENGTH + 1)])
def test_patterns_re2_refuses_are_invalid(pattern: str) -> None:
    with pytest.raises(ValueError, match="match_pattern"):
        CustomPrice(match_pattern=pattern, input=1.0)


@pytest.mark.parametrize("name", ["gpt-4o", "acme/llm v2 (beta)", "é+ü*#~&?", "a\tb"])
def test_a_model_name_is_matched_literally(name: str) -> None:
    price = CustomPrice(match_pattern=literal(name), input=1.0)
    assert price.applies(name.upper(), None)
    assert not price.applies(name + "x", None)


async def _post_price(th: Harness, pattern: str) -> httpx.Response:
    body = {"modelName": "m", "matchPattern": pattern, "inputPrice": 1, "outputPrice": 1}
    return await th.client.post("/api/v1/models", json=body, headers=th.auth)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [(r"(a)\1", "invalid escape"), (r"gpt(?=-4)", "invalid perl operator"), ("(x", "missing )")],
)
async def test_refused_pattern_answers_422_naming_the_field(
    th: Harness, pattern: str, reason: str
) -> None:
    response = await _post_price(th, pattern)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"] == "match_pattern"
    assert reason in error["details"][0]["message"]
    listed = await th.client.get("/api/v1/models", headers=th.auth)
    assert listed.json()["data"] == []


async def test_too_long_pattern_answers_422(th: Harness) -> None:
    response = await _post_price(th, "a" * (MAX_LENGTH + 1))
    assert response.status_code == 422
    # Checked with the request body: the field is named as sent.
    assert response.json()["error"]["details"][0]["field"] == "matchPattern"


def _generation(model: str, span_id: str) -> dict[str, object]:
    attributes = [
        {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
        {"key": "gen_ai.request.model", "value": {"stringValue": model}},
        {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "1000000"}},
        {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "0"}},
    ]
    span = {
        "traceId": "5" * 32,
        "spanId": span_id,
        "name": "chat",
        "kind": 3,
        "startTimeUnixNano": "1762000000000000000",
        "endTimeUnixNano": "1762000000500000000",
        "attributes": attributes,
    }
    return {"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": [span]}]}]}


async def test_backtracking_pattern_does_not_stall_other_projects(th: Harness) -> None:
    """The issue's case: the pattern `(a+)+$` and a generation whose model is `a`s and a `!`
    (the longest name a column holds), and a lookup of a 10,000-character name, in one
    project; both answer at once, and another project reads meanwhile."""
    assert (await _post_price(th, BACKTRACKING)).status_code == 201
    _, other = await th.new_project("other")
    await th.client.post("/api/v1/traces", json={"id": "theirs"}, headers=other)
    took: dict[str, tuple[int, float]] = {}

    async def timed(name: str, method: str, url: str, **kwargs: Any) -> None:
        started = time.monotonic()
        response = await th.client.request(method, url, **kwargs)
        took[name] = (response.status_code, time.monotonic() - started)

    body = _generation(STORED_MODEL, "1" * 16)
    lookup = {"params": {"model": LONG_MODEL}, "headers": th.auth}
    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(
                partial(timed, "ingest", "POST", "/v1/traces", json=body, headers=th.auth)
            )
            tg.start_soon(partial(timed, "lookup", "GET", "/api/v1/models/lookup", **lookup))
            tg.start_soon(partial(timed, "other", "GET", "/api/v1/traces", headers=other))
            tg.start_soon(timed, "health", "GET", "/health")
    assert {name: status for name, (status, _) in took.items()} == {
        "ingest": 200,
        "lookup": 404,  # the custom pattern does not match; no built-in price either
        "other": 200,
        "health": 200,
    }
    assert max(seconds for _, seconds in took.values()) < 5, took  # a stall guard, not speed
    # The same pattern still prices the names it matches.
    await th.client.post("/v1/traces", json=_generation("a" * 200, "2" * 16), headers=th.auth)
    stored = (await th.client.get("/api/v1/traces/" + "5" * 32, headers=th.auth)).json()
    costs = {o["model"][-1]: o["cost"]["computed"] for o in stored["observations"]}
    assert costs["!"]["total"] is None
    assert costs["a"]["total"] == pytest.approx(1.0)
