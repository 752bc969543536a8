"""Delivery with bad values and a misbehaving server (a real server behind a proxy that answers
413/429/503 or hangs): a bad item costs only itself, serialising is bounded in work, `flush()`
and `dropped` tell the truth, and no SDK call blocks the app for long."""

from __future__ import annotations

import email.utils
import json
import time
import weakref
from typing import Any

import pytest
from tests.conftest import SECRET_KEY, LiveServer
from tests.sdk.conftest import read_trace
from tests.sdk.faulty import HANG, Seen, faulty_server

from tracehouse import sdk


class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


class BadStr(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no str for you")


@sdk.observe
def echo(value: Any) -> str:
    return "ok"


def traces_of(body: bytes) -> list[dict[str, Any]]:
    return json.loads(body) if body.startswith(b"[") else []


def test_a_bad_value_costs_only_itself(live_server: LiveServer) -> None:
    client = sdk.configure(host=live_server.url, api_key=SECRET_KEY, flush_interval=60)
    try:  # all in one batch: sent by flush()
        ids = []
        for n in range(20):
            with sdk.span(f"neighbour-{n}") as span:
                pass
            ids.append(span.trace_id)
        with sdk.span("bad-repr") as bad:
            echo(BadRepr())
        with sdk.span("huge") as huge:
            echo("x" * 50_000_000)  # 50 MB: far over the server's request limit
        assert client.flush(timeout=60) is True
        assert client.delivery.dropped == 0
    finally:
        client.shutdown()
    for trace_id in ids:
        assert read_trace(live_server, trace_id)["name"].startswith("neighbour-")
    bad_echo = read_trace(live_server, bad.trace_id)["by_name"]["echo"]
    assert bad_echo["input"] == {"value": "<unrepresentable BadRepr>"}
    huge_input = read_trace(live_server, huge.trace_id)["by_name"]["echo"]["input"]["value"]
    assert huge_input.startswith("xxxx") and huge_input.endswith("more characters>")
    assert len(huge_input) < 2_000_000


def test_a_batch_the_server_finds_too_large_is_split(live_server: LiveServer) -> None:
    def too_large(seen: Seen, index: int) -> int | None:
        return 413 if len(seen.body) > 300_000 else None  # a proxy with a small body limit

    with faulty_server(live_server.url, too_large) as proxy:
        client = sdk.configure(host=proxy.url, api_key=SECRET_KEY, flush_interval=60)
        try:
            spans = []
            for n in range(21):  # 20 items of 20 KB fit; one 400 KB item does not, even alone
                with sdk.span(f"split-{n}", input="y" * (400_000 if n == 7 else 20_000)) as span:
                    pass
                spans.append(span)
            assert client.flush(timeout=60) is False  # one item was refused: flush says so
            assert client.delivery.dropped == 1
        finally:
            client.shutdown()
    arrived = [s for n, s in enumerate(spans) if n != 7]
    for span in arrived:
        assert read_trace(live_server, span.trace_id)["input"] == "y" * 20_000
    assert len(proxy.seen) > 2


def test_a_self_referencing_structure_is_cut_and_delivery_goes_on(
    live_server: LiveServer,
) -> None:
    loop: dict[str, Any] = {}
    for n in range(6):
        loop[f"ref{n}"] = loop
    shared: list[Any] = ["leaf"]
    for _ in range(14):  # a DAG of 6**14 paths, each level referencing the one below 6 times
        shared = [shared] * 6
    client = sdk.configure(host=live_server.url, api_key=SECRET_KEY, flush_interval=0.05)
    try:
        started = time.monotonic()
        with sdk.span("cyclic") as cyclic:
            echo(loop)
            echo(shared)
        assert time.monotonic() - started < 5  # a guard against a hang, not a timing
        with sdk.span("after") as after:
            pass
        assert client.flush(timeout=30) is True
    finally:
        client.shutdown()
    trace = read_trace(live_server, cyclic.trace_id)
    inputs = [o["input"]["value"] for o in trace["observations"] if o["name"] == "echo"]
    assert {"ref0": "<cycle>"}.items() <= next(i for i in inputs if isinstance(i, dict)).items()
    assert read_trace(live_server, after.trace_id)["name"] == "after"


def test_arguments_are_not_kept_after_the_call(live_server: LiveServer) -> None:
    class Payload:
        def __repr__(self) -> str:
            return "<payload>"

    client = sdk.configure(host=live_server.url, api_key=SECRET_KEY, flush_interval=60)
    try:
        payload = Payload()
        alive = weakref.ref(payload)
        echo(payload)
        del payload
        assert alive() is None  # encoded when recorded: the buffer holds bytes only
        assert client.flush(timeout=30)
    finally:
        client.shutdown()


def test_refused_by_auth_flush_and_dropped_tell_the_truth(live_server: LiveServer) -> None:
    client = sdk.configure(host=live_server.url, api_key="sk-th-wrong", flush_interval=60)
    try:
        for n in range(3):
            with sdk.span(f"unauthorised-{n}"):
                pass
        assert client.flush(timeout=30) is False
        assert client.delivery.dropped == 3
    finally:
        client.shutdown()


def test_an_exception_whose_str_raises_is_still_recorded(live_server: LiveServer) -> None:
    client = sdk.configure(host=live_server.url, api_key=SECRET_KEY, flush_interval=0.05)

    @sdk.observe(name="str-raises")
    def fails() -> None:
        raise BadStr()

    try:
        with pytest.raises(BadStr):
            fails()
        assert client.flush(timeout=30)
    finally:
        client.shutdown()
    traces = live_server.get("/api/v1/traces", name="str-raises")["data"]
    assert traces
    observation = read_trace(live_server, traces[0]["id"])["by_name"]["str-raises"]
    assert observation["level"] == "ERROR"
    assert observation["status_message"] == "BadStr: <str() failed>"


def test_retry_after_as_an_http_date_is_honoured(live_server: LiveServer) -> None:
    def busy_once(seen: Seen, index: int) -> tuple[int, dict[str, str]] | None:
        if index == 0:
            later = email.utils.formatdate(time.time() + 3, usegmt=True)
            return 503, {"Retry-After": later}
        return None

    with faulty_server(live_server.url, busy_once) as proxy:
        client = sdk.configure(
            host=proxy.url, api_key=SECRET_KEY, flush_interval=0.05, max_retry_delay=0.1
        )
        try:
            with sdk.span("after-a-date") as span:
                pass
            assert client.flush(timeout=30) is True
        finally:
            client.shutdown()
    assert proxy.seen[1].at - proxy.seen[0].at > 1.0  # HTTP dates have whole seconds
    assert read_trace(live_server, span.trace_id)["name"] == "after-a-date"


def test_retry_after_is_honoured_at_shutdown(live_server: LiveServer) -> None:
    def always_busy(seen: Seen, index: int) -> tuple[int, dict[str, str]]:
        return 429, {"Retry-After": "30"}

    with faulty_server(live_server.url, always_busy) as proxy:
        client = sdk.configure(host=proxy.url, api_key=SECRET_KEY, flush_interval=0.05)
        with sdk.span("never"):
            pass
        deadline = time.monotonic() + 10
        while not proxy.seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.shutdown(timeout=2) is False
        assert len(proxy.seen) == 1  # no retry inside the 30 s the server asked for
        assert client.delivery.dropped == 1


def test_configure_and_get_prompt_do_not_block_on_a_hanging_server() -> None:
    with faulty_server(None, lambda seen, index: HANG) as hanging:
        old = sdk.configure(host=hanging.url, api_key=SECRET_KEY, flush_interval=0.05)
        with sdk.span("stuck"):
            pass
        time.sleep(0.2)  # the old client is now waiting on the server
        started = time.monotonic()
        client = sdk.configure(host=hanging.url, api_key=SECRET_KEY)
        assert time.monotonic() - started < 1.0  # generous: the old client drains behind
        started = time.monotonic()
        prompt = sdk.get_prompt("support/answer", fallback="Answer: {{question}}")
        assert prompt.is_fallback
        assert time.monotonic() - started < 5.0  # the fallback bound is 2 s, not 10 s
        client.shutdown(timeout=0.1)
        old.shutdown(timeout=0.1)
