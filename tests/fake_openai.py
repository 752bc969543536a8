"""A local OpenAI-compatible server for tests: chat completions, streaming and tool calls,
embeddings (`/embeddings`: deterministic vectors where texts of one concept are near, see
tests/concepts.py); also Azure OpenAI's deployment paths and Anthropic's `/v1/messages`
(non-streaming).

The answer is scripted from the request: an LLM judge (Tracehouse's judge instructions in the
system message) gets a JSON verdict of the type asked for; when tools are offered and no tool
result is in the messages yet, the model "calls" the first tool; otherwise it answers with text.
Usage is always reported (in the last chunk when streaming, if `stream_options.include_usage`).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests import concepts

PROMPT_TOKENS = 21
COMPLETION_TOKENS = 7
CACHED_TOKENS = 5
ANSWER = "Paris is the capital of France."
#: Models whose name starts with this do not exist: 404 `model_not_found`, as the real API says.
UNKNOWN_MODEL_PREFIX = "unknown-"


class Script:
    """Scripted behaviour for the next requests (LLM-judge tests): each step is one request's
    answer: `("reply", text)`, `("status", code)`, `("delay", seconds)` (then the default
    answer) or `("slow", seconds)` (a streamed answer with a pause before each chunk). Every
    request body is kept in `requests`."""

    def __init__(self) -> None:
        self.steps: deque[tuple[str, Any]] = deque()
        self.requests: list[dict[str, Any]] = []
        #: (path, headers) of each request, in order.
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()

    def reset(self, *steps: tuple[str, Any]) -> None:
        with self.lock:
            self.steps = deque(steps)
            self.requests = []
            self.calls = []

    def next(
        self, request: dict[str, Any], path: str = "", headers: dict[str, str] | None = None
    ) -> tuple[str, Any] | None:
        with self.lock:
            self.requests.append(request)
            self.calls.append((path, dict(headers or {})))
            return self.steps.popleft() if self.steps else None


SCRIPT = Script()


def _verdict(system: str) -> str:
    """A judge's default answer, of the type the instructions ask for."""
    if "true or false" in system:
        score: Any = False
    elif "one of " in system:
        score = json.loads(system.split("one of ", 1)[1].split(",")[0].split("}")[0].strip())
    else:
        score = 1
    return json.dumps({"reasoning": "The answer is supported and on topic.", "score": score})


def _reply(request: dict[str, Any]) -> dict[str, Any]:
    messages = request.get("messages", [])
    system = request.get("system") or next(
        (m.get("content") or "" for m in messages if m.get("role") == "system"), ""
    )
    if str(system).startswith("You are an impartial evaluator"):
        return {"role": "assistant", "content": _verdict(str(system))}
    tools = request.get("tools") or []
    answered = any(m.get("role") == "tool" for m in request.get("messages", []))
    if tools and not answered:
        name = tools[0]["function"]["name"]
        call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps({"city": "Paris"})},
        }
        return {"role": "assistant", "content": None, "tool_calls": [call]}
    return {"role": "assistant", "content": ANSWER}


def _usage() -> dict[str, Any]:
    return {
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": COMPLETION_TOKENS,
        "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
        "prompt_tokens_details": {"cached_tokens": CACHED_TOKENS},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        route = self.path.split("?")[0]
        if route.endswith("/embeddings"):
            self._embeddings(request)
            return
        if not route.endswith(("/chat/completions", "/v1/messages")):
            self._json(404, {"error": {"message": f"no route {self.path}"}})
            return
        step = SCRIPT.next(request, self.path, {k.lower(): v for k, v in self.headers.items()})
        if str(request.get("model", "")).startswith(UNKNOWN_MODEL_PREFIX):
            message = (
                f"The model `{request['model']}` does not exist or you do not have access to it."
            )
            self._json(404, {"error": {"message": message, "code": "model_not_found"}})
            return
        if step is not None and step[0] == "status":
            sent = self.headers.get("authorization") or self.headers.get("x-api-key") or ""
            # like real providers' "Incorrect API key provided: …", the error echoes the key
            message = f"scripted {step[1]}; key sent: {sent.removeprefix('Bearer ')}"
            self._json(step[1], {"error": {"message": message}})
            return
        if step is not None and step[0] == "delay":
            time.sleep(step[1])
        if route.endswith("/v1/messages"):
            default = _reply(request)["content"] or ANSWER
            self._anthropic(request, step[1] if step and step[0] == "reply" else default)
            return
        message = _reply(request)
        if step is not None and step[0] == "reply":
            message = {"role": "assistant", "content": step[1]}
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        model = request.get("model", "gpt-4o-mini")
        if request.get("stream"):
            self.pause = step[1] if step is not None and step[0] == "slow" else 0.0
            self._stream(
                model,
                message,
                finish,
                bool((request.get("stream_options") or {}).get("include_usage")),
            )
            return
        self._json(
            200,
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": _usage(),
            },
        )

    def _embeddings(self, request: dict[str, Any]) -> None:
        step = SCRIPT.next(request, self.path, {k.lower(): v for k, v in self.headers.items()})
        if step is not None and step[0] == "status":
            self._json(step[1], {"error": {"message": f"scripted {step[1]}"}})
            return
        if step is not None and step[0] == "delay":
            time.sleep(step[1])
        texts = request.get("input") or []
        texts = [texts] if isinstance(texts, str) else texts
        dims = int(request.get("dimensions") or concepts.DIMENSIONS)
        data = [
            {"object": "embedding", "index": i, "embedding": concepts.embed(str(text), dims)}
            for i, text in enumerate(texts)
        ]
        tokens = sum(len(str(text).split()) for text in texts)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        model = request.get("model", "text-embedding-3-small")
        self._json(200, {"object": "list", "data": data, "model": model, "usage": usage})

    def _anthropic(self, request: dict[str, Any], text: str) -> None:
        body = {
            "id": "msg_test",
            "type": "message",
            "role": "assistant",
            "model": request.get("model", "claude-3-5-haiku-latest"),
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": PROMPT_TOKENS, "output_tokens": COMPLETION_TOKENS},
        }
        self._json(200, body)

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, model: str, message: dict[str, Any], finish: str, usage: bool) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        base = {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": model,
        }
        chunks: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        if message.get("tool_calls"):
            call = message["tool_calls"][0]
            chunks.append({"tool_calls": [{"index": 0, **call}]})
        else:
            chunks.extend({"content": word} for word in ANSWER.split(" ") if word)
        for i, delta in enumerate(chunks):
            if "content" in delta and i > 1:
                delta = {"content": " " + delta["content"]}
            self._event({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        self._event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        if usage:
            self._event({**base, "choices": [], "usage": _usage()})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _event(self, body: dict[str, Any]) -> None:
        time.sleep(getattr(self, "pause", 0.0))
        self.wfile.write(b"data: " + json.dumps(body).encode() + b"\n\n")
        self.wfile.flush()


@contextmanager
def fake_openai() -> Iterator[str]:
    """Run the server on a free loopback port; yields its base URL (`…/v1`)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
