"""The SDK against a real `tracehouse serve` process: a default client pointed at it, and a
reader of what arrived."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.conftest import LiveServer

from tracehouse import sdk


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[sdk.Tracehouse]:
    """The default client, sending to the live server; shut down after the test."""
    tracehouse = sdk.configure(
        host=live_server.url, api_key=live_server.secret_key, flush_interval=0.05
    )
    yield tracehouse
    tracehouse.shutdown()


def read_trace(server: LiveServer, trace_id: str) -> dict[str, Any]:
    """The trace as `GET /api/v1/traces/{id}` returns it, observations keyed by name too."""
    trace: dict[str, Any] = server.get(f"/api/v1/traces/{trace_id}")
    trace["by_name"] = {o["name"]: o for o in trace["observations"]}
    return trace


@pytest.fixture(autouse=True)
def _no_vcs_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests run in a git checkout: keep its commit out of the metadata they compare
    (tests/sdk/test_vcs.py turns the capture back on)."""
    monkeypatch.setenv("TRACEHOUSE_CAPTURE_VCS", "false")
