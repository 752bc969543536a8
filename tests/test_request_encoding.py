"""Compressed request bodies on the native API (the SDK sends gzip): inflated within the body
limit, and a body that does not inflate is a 400 in the one error shape."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import pytest
from tests.conftest import Harness, make_settings, start
from tests.test_errors import assert_envelope

pytestmark = pytest.mark.anyio


async def test_gzip_and_deflate_trace_bodies_are_accepted(th: Harness) -> None:
    for trace_id, encoding, pack in (
        ("gz", "gzip", gzip.compress),
        ("df", "deflate", zlib.compress),
    ):
        body = {"id": trace_id, "name": "packed", "observations": [{"id": f"{trace_id}-o"}]}
        response = await th.client.post(
            "/api/v1/traces",
            content=pack(json.dumps(body).encode()),
            headers={**th.auth, "Content-Type": "application/json", "Content-Encoding": encoding},
        )
        assert response.status_code == 201, response.text
        trace = (await th.client.get(f"/api/v1/traces/{trace_id}", headers=th.auth)).json()
        assert trace["name"] == "packed"
        assert [o["id"] for o in trace["observations"]] == [f"{trace_id}-o"]


async def test_a_body_that_does_not_inflate_is_400(th: Harness) -> None:
    response = await th.client.post(
        "/api/v1/scores",
        content=b"not gzip at all",
        headers={**th.auth, "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert_envelope(response, 400, "invalid_request")


async def test_the_body_limit_applies_after_inflating(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = make_settings(db_kind, tmp_path, request, max_body_bytes=2_000)
    async for harness in start(settings):
        packed = gzip.compress(json.dumps({"id": "big", "input": "x" * 50_000}).encode())
        assert len(packed) < 2_000
        response = await harness.client.post(
            "/api/v1/traces",
            content=packed,
            headers={
                **harness.auth,
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
            },
        )
        assert_envelope(response, 413, "payload_too_large")
