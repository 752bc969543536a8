"""Delivery against real server processes: the app is unaffected while the server is down and
data arrives once it is back; the buffer is bounded (one warning); 429 is retried; data the
server refuses is dropped without blocking the rest; exit flushes; env configuration."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, INIT_ENV, PUBLIC_KEY, SECRET_KEY, LiveServer
from tests.sdk.conftest import read_trace
from tests.server import free_port, start_server

from tracehouse import sdk

SERVER_ENV = {
    **INIT_ENV,
}


@sdk.observe
def handle(request: int) -> int:
    with sdk.span("step"):
        return request + 1


def warnings_about(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


@pytest.mark.slow
def test_server_down_then_back(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="tracehouse.sdk")
    port = free_port()
    client = sdk.configure(
        host=f"http://127.0.0.1:{port}",
        api_key=SECRET_KEY,
        flush_interval=0.05,
        max_queue=10,
        max_retry_delay=0.2,
        batch_size=4,
    )
    try:
        trace_ids = []
        for request in range(30):  # 60 observations: far more than the queue holds
            with sdk.span("request") as span:
                assert handle(request) == request + 1
            trace_ids.append(span.trace_id)
        assert client.flush(timeout=0.5) is False
        assert len(warnings_about(caplog, "cannot deliver")) == 1
        assert len(warnings_about(caplog, "buffer full")) == 1
        assert client.delivery.dropped > 0

        server = start_server(tmp_path / "data", env=SERVER_ENV, port=port)
        try:
            assert client.flush(timeout=30)
            with sdk.span("after recovery") as late:
                handle(99)
            assert client.flush(timeout=30)
            live = LiveServer(server.url, PUBLIC_KEY, SECRET_KEY)
            assert len(read_trace(live, late.trace_id)["observations"]) == 3
            arrived = live.get("/api/v1/traces", limit=200)["data"]
            assert 1 <= len({t["id"] for t in arrived} & set(trace_ids)) < 30
        finally:
            server.stop()
    finally:
        client.shutdown(timeout=1)
    assert warnings_about(caplog, "delivering to")


@pytest.mark.slow
def test_rate_limited_requests_are_retried(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tracehouse.sdk")
    limits = {"free": [300, 1], "pro": [300, 1], "enterprise": [300, 1]}
    server = start_server(
        tmp_path / "data", env={**SERVER_ENV, "TRACEHOUSE_RATE_LIMITS": json.dumps(limits)}
    )
    client = sdk.configure(host=server.url, api_key=SECRET_KEY, flush_interval=0.05, batch_size=1)
    try:
        spans = []
        for n in range(5):  # one trace per request: five requests against a burst of one
            with sdk.span(f"rated-{n}") as span:
                pass
            spans.append(span)
        assert client.flush(timeout=60)
        while True:  # reads are rate limited too
            response = httpx.get(f"{server.url}/api/v1/traces", headers={"X-API-Key": SECRET_KEY})
            if response.status_code != 429:
                break
            time.sleep(float(response.headers["retry-after"]))
        names = {t["id"]: t["name"] for t in response.json()["data"]}
        assert warnings_about(caplog, "(HTTP 429)")
        assert {
            span.trace_id: f"rated-{n}" for n, span in enumerate(spans)
        }.items() <= names.items()
    finally:
        client.shutdown()
        server.stop()


def test_refused_data_is_dropped_without_blocking(
    live_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tracehouse.sdk")
    client = sdk.configure(host=live_server.url, api_key=SECRET_KEY, flush_interval=60)
    try:  # everything below goes in one batch, sent by flush()
        with sdk.span("scored") as scored:
            sdk.score("bad", 1, data_type="NOT-A-TYPE")
            sdk.score("good", 1)
        with sdk.span("negative tokens", usage={"input_tokens": -5}) as refused:
            sdk.update_current_observation(level="loud", colour="red")  # dropped here already
        with sdk.span("big", input="x" * 50_000) as big:  # sent gzip-compressed
            pass
        assert client.flush() is False  # two items were refused: flush says so
        assert client.delivery.dropped == 2
    finally:
        client.shutdown()
    assert len(warnings_about(caplog, "refused data (HTTP 422")) == 1
    assert warnings_about(caplog, "fields ignored (unknown or invalid): ['colour', 'level']")
    assert [s["name"] for s in read_trace(live_server, scored.trace_id)["scores"]] == ["good"]
    assert read_trace(live_server, big.trace_id)["input"] == "x" * 50_000
    response = httpx.get(
        f"{live_server.url}/api/v1/traces/{refused.trace_id}", headers=live_server.auth
    )
    assert response.status_code == 404


def test_env_configuration_and_flush_at_exit(live_server: LiveServer, tmp_path: Path) -> None:
    login = httpx.post(
        f"{live_server.url}/api/v1/auth/login",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
    ).json()
    admin = {"Authorization": f"Bearer {login['token']}"}
    org = httpx.get(f"{live_server.url}/api/v1/organizations", headers=admin).json()["data"][0]
    created = httpx.post(
        f"{live_server.url}/api/v1/organizations/{org['id']}/keys", json={}, headers=admin
    )
    assert created.status_code == 201, created.text
    org_key = created.json()["secret_key"]
    script = tmp_path / "app.py"
    script.write_text(
        "from tracehouse import sdk\n"
        "@sdk.observe(name='from-env')\n"
        "def main():\n"
        "    print(sdk.current_observation().trace_id)\n"
        "main()\n"  # no flush: the exit hook sends it
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TRACEHOUSE_")},
        "TRACEHOUSE_HOST": live_server.url,
        "TRACEHOUSE_API_KEY": org_key,
        "TRACEHOUSE_PROJECT": "sdk-env-project",
    }
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    trace_id = done.stdout.strip()
    headers = {"Authorization": f"Bearer {org_key}", "X-Project-Name": "sdk-env-project"}
    response = httpx.get(f"{live_server.url}/api/v1/traces/{trace_id}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "from-env"
    assert (
        httpx.get(
            f"{live_server.url}/api/v1/traces/{trace_id}", headers=live_server.auth
        ).status_code
        == 404
    )  # it went to the named project, not the key's default one


def _child(queue: Any) -> None:
    with sdk.span("forked-child") as span:
        pass
    queue.put((span.trace_id, sdk.flush(timeout=30)))


def test_a_forked_child_delivers_its_own_data(
    client: sdk.Tracehouse, live_server: LiveServer
) -> None:
    with sdk.span("parent-before-fork"):
        pass
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_child, args=(results,))
    child.start()
    trace_id, flushed = results.get(timeout=60)
    child.join(timeout=60)
    assert flushed is True
    assert read_trace(live_server, trace_id)["name"] == "forked-child"
    assert client.flush()
