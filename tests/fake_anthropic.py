"""A local Anthropic-compatible Messages API server for tests: `POST /v1/messages`, plain JSON
and SSE streaming with the real event sequence (`message_start`, `content_block_start`, `ping`,
`content_block_delta`, `content_block_stop`, `message_delta`, `message_stop`), tool use and usage.

Like the real API it refuses a request without a key (`x-api-key`, or `Authorization: Bearer` as
recent SDKs send it: 401), without `anthropic-version`
or `max_tokens`, or with a `system` role inside `messages` (400), in Anthropic's error shape.
The answer is scripted from the request: when tools are offered and no `tool_result` block is
in the messages yet, the model calls the first tool with `{"city": "Paris"}`; otherwise it
answers `ANSWER`; a model named `unknown-…` does not exist (404). `SCRIPT` (the `Script` of
tests/fake_openai.py) queues replies, statuses and delays, and `("overloaded", None)`: a stream
that breaks off with an `error` event after the first block's text; it keeps every request
body, path and headers.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fake_openai import Script

INPUT_TOKENS = 23
OUTPUT_TOKENS = 9
CACHE_READ_TOKENS = 4
ANSWER = "Paris is the capital of France."
TOOL_INPUT = {"city": "Paris"}
MESSAGE_ID = "msg_fake_01"
TOOL_USE_ID = "toolu_fake_01"
#: Models whose name starts with this do not exist: 404 `not_found_error`, as the real API says.
UNKNOWN_MODEL_PREFIX = "unknown-"

SCRIPT = Script()
#: The error event a stream ends with after `("overloaded", None)` was scripted.
OVERLOADED: dict[str, Any] = {
    "type": "error",
    "error": {"type": "overloaded_error", "message": "Overloaded"},
}


def _tool_answered(messages: list[dict[str, Any]]) -> bool:
    for message in messages:
        content = message.get("content")
        if isinstance(content, list) and any(
            isinstance(b, dict) and b.get("type") == "tool_result" for b in content
        ):
            return True
    return False


def content_for(request: dict[str, Any], text: str | None = None) -> list[dict[str, Any]]:
    """The content blocks the fake answers `request` with (`text` forces a text answer)."""
    tools = request.get("tools") or []
    if text is None and tools and not _tool_answered(request.get("messages") or []):
        name = tools[0]["name"]
        return [{"type": "tool_use", "id": TOOL_USE_ID, "name": name, "input": TOOL_INPUT}]
    return [{"type": "text", "text": ANSWER if text is None else text}]


def _usage() -> dict[str, Any]:
    return {
        "input_tokens": INPUT_TOKENS,
        "output_tokens": OUTPUT_TOKENS,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": CACHE_READ_TOKENS,
    }


def _stop_reason(content: list[dict[str, Any]]) -> str:
    return "tool_use" if any(b["type"] == "tool_use" for b in content) else "end_turn"


def _invalid(request: dict[str, Any], headers: dict[str, str]) -> tuple[int, str, str] | None:
    """(status, error type, message) when the real API would refuse the request."""
    if not headers.get("x-api-key") and not headers.get("authorization", "").startswith("Bearer "):
        return 401, "authentication_error", "x-api-key header is required"
    if not headers.get("anthropic-version"):
        return 400, "invalid_request_error", "anthropic-version: header is required"
    if not isinstance(request.get("max_tokens"), int):
        return 400, "invalid_request_error", "max_tokens: Field required"
    if not request.get("model"):
        return 400, "invalid_request_error", "model: Field required"
    if str(request["model"]).startswith(UNKNOWN_MODEL_PREFIX):
        return 404, "not_found_error", f"model: {request['model']}"
    if any(m.get("role") not in ("user", "assistant") for m in request.get("messages") or []):
        return 400, "invalid_request_error", "messages: roles must be 'user' or 'assistant'"
    return None


def _deltas(index: int, block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The `content_block_delta` events that spell out one block."""
    if block["type"] == "tool_use":
        text = json.dumps(block["input"])
        for part in (text[: len(text) // 2], text[len(text) // 2 :]):
            delta = {"type": "input_json_delta", "partial_json": part}
            yield {"type": "content_block_delta", "index": index, "delta": delta}
        return
    words = block["text"].split(" ")
    for i, word in enumerate(words):
        piece = word if i == 0 else " " + word
        delta = {"type": "text_delta", "text": piece}
        yield {"type": "content_block_delta", "index": index, "delta": delta}


def stream_events(model: str, content: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The events of one streamed answer, in the order the real API sends them."""
    usage = _usage()
    start = {**message_body(model, []), "stop_reason": None, "stop_sequence": None}
    start["usage"] = {**usage, "output_tokens": 1}
    yield {"type": "message_start", "message": start}
    for index, block in enumerate(content):
        empty = {**block, "input": {}} if block["type"] == "tool_use" else {**block, "text": ""}
        yield {"type": "content_block_start", "index": index, "content_block": empty}
        if index == 0:
            yield {"type": "ping"}
        yield from _deltas(index, block)
        yield {"type": "content_block_stop", "index": index}
    delta = {"stop_reason": _stop_reason(content), "stop_sequence": None}
    yield {"type": "message_delta", "delta": delta, "usage": {"output_tokens": OUTPUT_TOKENS}}
    yield {"type": "message_stop"}


def message_body(model: str, content: list[dict[str, Any]]) -> dict[str, Any]:
    """A non-streamed answer."""
    return {
        "id": MESSAGE_ID,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": _stop_reason(content),
        "stop_sequence": None,
        "usage": _usage(),
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        headers = {k.lower(): v for k, v in self.headers.items()}
        if self.path.split("?")[0] != "/v1/messages":
            self._error(404, "not_found_error", f"no route {self.path}")
            return
        step = SCRIPT.next(request, self.path, headers)
        refusal = _invalid(request, headers)
        if refusal is not None:
            self._error(*refusal)
            return
        if step is not None and step[0] == "status":
            self._error(step[1], "api_error", f"scripted {step[1]}")
            return
        if step is not None and step[0] == "delay":
            time.sleep(step[1])
        content = content_for(request, step[1] if step and step[0] == "reply" else None)
        if request.get("stream"):
            broken = step is not None and step[0] == "overloaded"
            self._stream(request["model"], content, broken)
        else:
            self._json(200, message_body(request["model"], content))

    def _error(self, status: int, kind: str, message: str) -> None:
        self._json(status, {"type": "error", "error": {"type": kind, "message": message}})

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", "req_fake_01")
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, model: str, content: list[dict[str, Any]], broken: bool = False) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("connection", "close")
        self.end_headers()
        for event in stream_events(model, content):
            if broken and event["type"] == "content_block_stop":
                event = OVERLOADED  # as the real API does mid-stream when it is overloaded
            line = f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
            self.wfile.write(line.encode())
            self.wfile.flush()
            if event is OVERLOADED:
                break
        self.close_connection = True


@contextmanager
def fake_anthropic() -> Iterator[str]:
    """Run the server on a free loopback port; yields its base URL (no `/v1`: the Anthropic
    SDK's `base_url` and a Tracehouse provider's `base_url` both take the host alone)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
