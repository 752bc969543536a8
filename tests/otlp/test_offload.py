"""OTLP spans prepared in worker processes (`otlp_workers`) are stored exactly as when they are
prepared in the server process, partial updates merge the same way, and worker processes never
outlive or break the server."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from tests.conftest import PUBLIC_KEY, SECRET_KEY, Harness, make_settings, start
from tests.otlp.test_transport import LLM_ATTRIBUTES, TRACE, otlp_json, span
from tests.server import start_server

from tracehouse.otlp import offload

pytestmark = pytest.mark.anyio

ROOT = "aaa19b7ec3c1b174"
CHILD = "aaa19b7ec3c1b175"
HEADERS = {"Authorization": f"Bearer {SECRET_KEY}", "Content-Type": "application/json"}


def _first_send() -> bytes:
    child_attributes = [
        *LLM_ATTRIBUTES,
        {"key": "input.value", "value": {"stringValue": '{"question": "why?"}'}},
        {"key": "metadata", "value": {"stringValue": '{"first": 1}'}},
        {"key": "session.id", "value": {"stringValue": "s-1"}},
    ]
    return orjson.dumps(
        otlp_json([span(ROOT, "agent"), span(CHILD, "llm", ROOT, attributes=child_attributes)])
    )


def _second_send() -> bytes:
    """The child again with more metadata and an output: merges into what is stored."""
    attributes = [
        {"key": "metadata", "value": {"stringValue": '{"second": 2}'}},
        {"key": "output.value", "value": {"stringValue": "because"}},
        {"key": "odd.value", "value": {"arrayValue": {"values": [{"intValue": "7"}]}}},
    ]
    return orjson.dumps(otlp_json([span(CHILD, "llm", ROOT, attributes=attributes)]))


async def _stored_after_two_sends(th: Harness) -> dict[str, Any]:
    for body in (_first_send(), _second_send()):
        response = await th.client.post("/v1/traces", content=body, headers=HEADERS)
        assert response.status_code == 200, response.text
    trace = (await th.client.get(f"/api/v1/traces/{TRACE}", headers=th.auth)).json()
    for observation in trace["observations"]:
        for volatile in ("created_at", "updated_at"):
            observation.pop(volatile, None)
    for volatile in ("created_at", "updated_at"):
        trace.pop(volatile, None)
    return dict(trace)


async def _stored_with(workers: int, tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    settings = make_settings(
        "sqlite", tmp_path / f"workers-{workers}", request, otlp_workers=workers
    )
    async with contextlib.aclosing(start(settings)) as running:
        async for harness in running:
            return await _stored_after_two_sends(harness)
    raise AssertionError("the app did not start")


async def test_workers_store_what_the_server_process_stores(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with_workers = await _stored_with(1, tmp_path, request)
    in_server = await _stored_with(0, tmp_path, request)
    assert with_workers == in_server
    child = next(o for o in with_workers["observations"] if o["id"] == CHILD)
    assert child["metadata"]["first"] == 1 and child["metadata"]["second"] == 2
    assert child["input"] == {"question": "why?"}
    assert child["output"] == "because"
    assert child["attributes"]["odd.value"] == [7]
    assert child["usage"]["input_tokens"] == 1000


async def test_undecodable_bodies_are_400_from_a_worker(th: Harness) -> None:
    bad = await th.client.post(
        "/v1/traces",
        content=b"\x0a\xff\xff",
        headers={**th.auth, "Content-Type": "application/x-protobuf"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_request"
    assert "ExportTraceServiceRequest" in bad.json()["error"]["message"]


def _spilled() -> set[str]:
    folder = Path(offload._SPILL_DIR or tempfile.gettempdir())
    return {path.name for path in folder.glob("tracehouse-otlp-*")}


async def test_bodies_and_shipments_leave_no_files(th: Harness) -> None:
    before = _spilled()
    for body in (_first_send(), b"{not json", _second_send()):
        await th.client.post("/v1/traces", content=body, headers=HEADERS)
    bad = await th.client.post(
        "/v1/traces",
        content=b"\x0a\xff",
        headers={**th.auth, "Content-Type": "application/x-protobuf"},
    )
    assert bad.status_code == 400
    assert _spilled() - before == set()


async def test_a_killed_worker_is_replaced(th: Harness) -> None:
    first = await th.client.post("/v1/traces", content=_first_send(), headers=HEADERS)
    assert first.status_code == 200
    pool = offload._pools[1]
    for pid in list(pool._processes):  # the pool's own record of its workers
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    again = await th.client.post("/v1/traces", content=_second_send(), headers=HEADERS)
    assert again.status_code == 200, again.text
    trace = (await th.client.get(f"/api/v1/traces/{TRACE}", headers=th.auth)).json()
    child = next(o for o in trace["observations"] if o["id"] == CHILD)
    assert child["output"] == "because"
    third = await th.client.post("/v1/traces", content=_first_send(), headers=HEADERS)
    assert third.status_code == 200
    assert offload._pools[1] is not pool


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(line) for line in found.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited and waits only to be reaped


@pytest.mark.slow
@pytest.mark.parametrize("how", ["stop", "kill"])
def test_workers_exit_with_the_server(tmp_path: Path, how: str) -> None:
    server = start_server(
        tmp_path / "data",
        env={"TRACEHOUSE_INIT_PUBLIC_KEY": PUBLIC_KEY, "TRACEHOUSE_INIT_SECRET_KEY": SECRET_KEY},
    )
    try:
        sent = httpx.post(f"{server.url}/v1/traces", content=_first_send(), headers=HEADERS)
        assert sent.status_code == 200
        workers = _children(server.process.pid)
        assert workers, "the OTLP export was prepared by a worker process"
    finally:
        server.kill() if how == "kill" else server.stop()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)
