"""Bodies over the limit are a 413 however they arrive: chunked without Content-Length, or
compressed (a gzip bomb) on the Langfuse ingestion path, which inflates gzip like the native API."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.conftest import Harness, make_settings, start
from tests.langfuse_api.test_public_api import BASIC, event
from tests.test_errors import assert_envelope

pytestmark = pytest.mark.anyio
LIMIT = 20_000


@pytest.fixture
async def small(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    async for harness in start(make_settings(db_kind, tmp_path, request, max_body_bytes=LIMIT)):
        yield harness


async def _chunks(total: int) -> AsyncIterator[bytes]:
    yield b'{"id": "chunked", "input": "'
    for _ in range(total // 1000):
        yield b"x" * 1000
    yield b'"}'


async def test_a_chunked_body_over_the_limit_is_413(small: Harness) -> None:
    response = await small.client.post(
        "/api/v1/traces",
        content=_chunks(LIMIT * 3),
        headers={**small.auth, "Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    error = assert_envelope(response, 413, "payload_too_large")
    assert error["details"] == {"limit_bytes": LIMIT}
    assert "x-ratelimit-limit" in response.headers


async def test_a_chunked_body_within_the_limit_is_accepted(small: Harness) -> None:
    response = await small.client.post(
        "/api/v1/traces",
        content=_chunks(LIMIT // 2),
        headers={**small.auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text


async def test_a_gzip_bomb_on_langfuse_ingestion_is_413(small: Harness) -> None:
    bomb = gzip.compress(b"[" + b" " * (LIMIT * 50) + b"]")
    assert len(bomb) < LIMIT
    response = await small.client.post(
        "/api/public/ingestion",
        content=bomb,
        headers={**BASIC, "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    error = assert_envelope(response, 413, "payload_too_large")
    assert response.json()["message"] == error["message"]  # what Langfuse clients read


async def test_gzip_langfuse_ingestion_is_inflated(small: Harness) -> None:
    batch = {"batch": [event("e1", "trace-create", {"id": "zipped", "name": "z"})]}
    response = await small.client.post(
        "/api/public/ingestion",
        content=gzip.compress(json.dumps(batch).encode()),
        headers={**BASIC, "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 207, response.text
    trace = await small.client.get("/api/v1/traces/zipped", headers=small.auth)
    assert trace.json()["name"] == "z"
