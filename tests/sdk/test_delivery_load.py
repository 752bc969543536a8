"""Delivery under load, outages and forks, against real server processes: a burst from many
threads arrives whole at the default settings, drops are reported once per episode with their
count, the buffer is bounded in bytes while the server is down, and `multiprocessing`
children (fork and forkserver) deliver what they record without repeating the parent's."""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import SECRET_KEY, LiveServer
from tests.sdk.conftest import read_trace
from tests.sdk.faulty import Seen, faulty_server
from tests.sdk.test_delivery import SERVER_ENV, warnings_about
from tests.server import free_port, start_server

from tracehouse import sdk


@sdk.observe(name="burst")
def handle(request: int, user: str) -> dict[str, Any]:
    return {"request": request, "user": user}


def burst(threads: int, calls: int) -> None:
    def worker(n: int) -> None:
        for i in range(calls):
            handle(i, f"user-{n}")

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


@pytest.mark.slow
def test_a_burst_from_many_threads_arrives_whole(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tracehouse.sdk")
    server = start_server(tmp_path / "data", env=SERVER_ENV)
    client = sdk.configure(host=server.url, api_key=SECRET_KEY)  # the default settings
    try:
        burst(50, 400)  # 20,000 items: twice what the old 10,000-item buffer held
        assert client.flush(timeout=240) is True
        assert client.delivery.dropped == 0
        live = LiveServer(server.url, "", SECRET_KEY)
        assert live.get("/api/v1/traces", limit=1)["meta"]["total_count"] == 20_000
    finally:
        client.shutdown()
        server.stop()
    assert not warnings_about(caplog, "buffer full")


def test_drops_are_reported_once_per_episode_with_their_count(
    live_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tracehouse.sdk")
    opened = time.monotonic() + 1.5

    def busy_for_a_while(seen: Seen, index: int) -> tuple[int, dict[str, str]] | None:
        return (503, {"Retry-After": "1"}) if time.monotonic() < opened else None

    with faulty_server(live_server.url, busy_for_a_while) as proxy:
        client = sdk.configure(
            host=proxy.url, api_key=SECRET_KEY, flush_interval=0.05, max_queue=50
        )
        try:
            burst(4, 50)  # 200 items into a buffer of 50 while the server is busy
            assert client.flush(timeout=60) is False  # some were dropped: flush says so
            dropped = client.delivery.dropped
            assert 100 <= dropped < 200
            burst(1, 10)
            assert client.flush(timeout=60) is True
        finally:
            client.shutdown()
    assert len(warnings_about(caplog, "buffer full")) == 1
    assert warnings_about(caplog, "were dropped while it was full") == [
        f"tracehouse: the delivery buffer has room again; {dropped} items were dropped while "
        "it was full"
    ]


def test_the_buffer_is_bounded_in_bytes_while_the_server_is_down() -> None:
    limit = 4 * 1024 * 1024
    client = sdk.configure(
        host=f"http://127.0.0.1:{free_port()}", api_key=SECRET_KEY, max_queue_bytes=limit
    )
    try:
        for n in range(200):  # 20 MB of arguments, each a new object
            handle(n, "u" * 100_000 + str(n))
        assert client.delivery.buffered_bytes <= limit
        assert client.delivery.buffered_bytes > limit // 2
        assert client.delivery.dropped > 100
    finally:
        assert client.shutdown(timeout=0.2) is False


def _record_without_flushing(url: str | None, done: Any) -> None:
    if url is not None:  # a forkserver child starts without the parent's client
        sdk.configure(host=url, api_key=SECRET_KEY, flush_interval=60)
    with sdk.span("child-span") as span:
        pass
    done.put(span.trace_id)  # then the process ends (os._exit): no atexit, no flush here


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_a_multiprocessing_child_delivers_what_it_records(
    live_server: LiveServer, method: str
) -> None:
    with faulty_server(live_server.url, lambda seen, index: None) as proxy:
        client = sdk.configure(host=proxy.url, api_key=SECRET_KEY, flush_interval=60)
        try:
            with sdk.span("parent-span") as parent:  # buffered in the parent at the fork
                pass
            context = multiprocessing.get_context(method)
            done = context.Queue()
            url = None if method == "fork" else proxy.url
            child = context.Process(target=_record_without_flushing, args=(url, done))
            child.start()
            trace_id = done.get(timeout=60)
            child.join(timeout=60)
            assert child.exitcode == 0
            assert read_trace(live_server, trace_id)["name"] == "child-span"
            assert client.flush(timeout=30) is True
        finally:
            client.shutdown()
    sent = [seen.body for seen in proxy.seen if parent.id.encode() in seen.body]
    assert len(sent) == 1  # the parent's item went once, from the parent
