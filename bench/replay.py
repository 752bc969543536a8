"""A server replay's own overhead (everything but the provider's time) for a 200-step agent run:
a root and alternating generation / tool steps, each generation calling `lookup(n)`. The fork
point is the middle generation, so ~100 steps are served from the recording and ~50
generations go to a local OpenAI-compatible stand-in (on 127.0.0.1, answering the next tool
call at once), each tool call matched against the recorded ones. Timed from
`POST /api/v1/forks/{id}/replay` through the ASGI app in-process (fresh SQLite directory)
until the background replay has written its trace and its end; the provider's time (each
generation's own latency, as the chat client measured it) is subtracted.

    .venv/bin/python bench/replay.py --steps 200 --rounds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tracehouse.app import create_app
from tracehouse.bootstrap import bootstrap
from tracehouse.config import Settings
from tracehouse.forks import plan as plans
from tracehouse.forks import replays, runner
from tracehouse.providers.client import Completion
from tracehouse.store.engine import open_database
from tracehouse.store.migrate import upgrade

SECRET = "sk-th-bench-" + "x" * 40
AUTH = {"Authorization": f"Bearer {SECRET}"}
TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]


def at(ms: int) -> str:
    return f"2026-11-01T10:{ms // 60000:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}Z"


def agent_run(steps: int) -> dict[str, Any]:
    """Root, then generation i (calls lookup(i)) and tool i in turn; the last one answers."""
    root = {"id": "root", "type": "agent", "name": "agent", "startTime": at(0)}
    observations: list[dict[str, Any]] = [{**root, "endTime": at(10 * steps)}]
    for k in range(1, steps):
        i, kind = (k - 1) // 2, ("generation", "tool")[(k - 1) % 2]
        step = {"id": f"s{k}", "parentId": "root", "type": kind, "startTime": at(10 * k),
                "endTime": at(10 * k + 8)}  # fmt: skip
        if kind == "generation":
            call = {"id": f"c{i}", "type": "function",
                    "function": {"name": "lookup", "arguments": json.dumps({"n": i})}}  # fmt: skip
            step |= {
                "name": "think", "model": "gpt-4o-mini",
                "input": {"messages": [{"role": "user", "content": "Count " * 40}], "tools": TOOLS},
                "output": {"role": "assistant", "content": None, "tool_calls": [call]},
                "usage": {"inputTokens": 300, "outputTokens": 20},
            }  # fmt: skip
        else:
            step |= {"name": "lookup", "input": {"n": i}, "output": {"value": "v" * 100}}
        observations.append(step)
    return {"id": "bench-run", "name": "bench-agent", "timestamp": at(0),
            "observations": observations}  # fmt: skip


class _Provider(BaseHTTPRequestHandler):
    """Calls lookup(first + tool results so far) until `last`, then answers with text."""

    first = 0
    last = 0

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["content-length"])))
        n = self.first + sum(m["role"] == "tool" for m in request["messages"])
        message: dict[str, Any] = {"role": "assistant", "content": "Done."}
        if n <= self.last:
            arguments = json.dumps({"n": n})
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": f"c{n}", "type": "function",
                 "function": {"name": "lookup", "arguments": arguments}}]}  # fmt: skip
        body = json.dumps({
            "id": "x", "object": "chat.completion", "created": 0, "model": request["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 300, "completion_tokens": 20, "total_tokens": 320},
        }).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve_provider(first: int, last: int) -> None:
    """The stand-in, in a process of its own (so this process's CPU time is the replay's)."""
    _Provider.first, _Provider.last = first, last
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    print(server.server_address[1], flush=True)
    server.serve_forever()


@contextmanager
def provider(first: int, last: int) -> Iterator[str]:
    command = [sys.executable, __file__, "--serve-provider", str(first), str(last)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield f"http://127.0.0.1:{process.stdout.readline().strip()}/v1"
    finally:
        process.terminate()
        process.wait(10)


#: CPU time of this process (every thread) during each replay, in ms.
CPU_TIMES: list[float] = []
#: Time each replay's trace spent in ingestion (pricing, the writer's commit), in ms.
INGESTS: list[float] = []
_ingest = replays.ingest


async def _timed_ingest(*args: Any) -> None:
    began = time.perf_counter()
    await _ingest(*args)
    INGESTS.append((time.perf_counter() - began) * 1000)


replays.ingest = _timed_ingest  # type: ignore[assignment]


async def one_replay(
    c: httpx.AsyncClient, fork_id: str
) -> tuple[float, float, float, dict[str, Any]]:
    """(wall ms, 202 ms, provider ms, the replay) of one replay, queued to written; this
    process's CPU time goes to CPU_TIMES."""
    began, cpu = time.perf_counter(), time.process_time()
    started = await c.post(f"/api/v1/forks/{fork_id}/replay", json={"maxSteps": 200}, headers=AUTH)
    accepted = (time.perf_counter() - began) * 1000
    assert started.status_code == 202, started.text
    await asyncio.gather(*list(replays._RUNNING))
    wall = (time.perf_counter() - began) * 1000
    CPU_TIMES.append((time.process_time() - cpu) * 1000)
    replay = (await c.get(f"/api/v1/replays/{started.json()['id']}", headers=AUTH)).json()
    assert replay["state"] == "completed", replay
    trace = (await c.get(f"/api/v1/traces/{replay['trace_id']}", headers=AUTH)).json()
    live = [o for o in trace["observations"] if (o["metadata"] or {}).get("replay") == "live"]
    return wall, accepted, sum(o["latency_ms"] for o in live), replay


async def engine_alone(source: dict[str, Any], span_id: str, first: int, last: int) -> float:
    """CPU ms of `plan.make` + `runner.run` alone, the provider answering in no time."""
    began = time.process_time()
    plan = plans.make(source, span_id, {}, None, max_steps=200)

    async def call(messages: list[dict[str, Any]]) -> Completion:
        n = first + sum(m["role"] == "tool" for m in messages)
        arguments = json.dumps({"n": n})
        calls = [{"id": f"c{n}", "type": "function",
                  "function": {"name": "lookup", "arguments": arguments}}]  # fmt: skip
        return Completion("", "gpt-4o-mini", 300, 20, tool_calls=calls if n <= last else [])

    outcome = await runner.run(plan, call, provider_kind="openai", metadata={})
    assert outcome.state == "completed", outcome.message
    return (time.process_time() - began) * 1000


def report(label: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[max(int(len(times) * 0.95) - 1, 0)]
    print(f"{label:<44} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


async def main(steps: int, rounds: int) -> None:
    data = Path(tempfile.mkdtemp()) / "data"
    settings = Settings(data_dir=data, init_secret_key=SECRET, init_public_key="pk-th-bench",
                        rate_limit_enabled=False, retention_interval_seconds=0)  # fmt: skip
    upgrade(settings)
    db = open_database(settings)
    bootstrap(db.writer, settings)
    db.dispose()
    generations = steps // 2
    middle = generations // 2
    app = create_app(settings)
    with provider(middle, generations - 2) as url:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:
                sent = await c.post("/api/v1/traces", json=agent_run(steps), headers=AUTH)
                assert sent.is_success, sent.text
                credential = {"name": "local", "apiKey": "sk-x", "baseUrl": url, "maxRetries": 0}
                assert (await c.post("/api/v1/providers", json=credential, headers=AUTH)).is_success
                fork = {"traceId": "bench-run", "spanId": f"s{2 * middle + 1}"}
                fork_id = (await c.post("/api/v1/forks", json=fork, headers=AUTH)).json()["id"]
                walls, accepted, providers, overheads = [], [], [], []
                for _ in range(rounds):
                    wall, answered, spent, replay = await one_replay(c, fork_id)
                    walls.append(wall)
                    accepted.append(answered)
                    providers.append(spent)
                    overheads.append(wall - spent)
                source = (await c.get("/api/v1/traces/bench-run", headers=AUTH)).json()
    span_id = f"s{2 * middle + 1}"
    engine = [await engine_alone(source, span_id, middle, generations - 2) for _ in range(rounds)]
    print(f"{steps} steps, fork at generation {middle}: {replay['steps_done']} live generations")
    report("replay, queued to written (wall)", walls)
    report("  of which the provider's calls", providers)
    report("replay's own overhead (wall - provider)", overheads)
    report("  of which checking and queueing (the 202)", accepted)
    report("  of which writing the trace (ingestion)", INGESTS)
    report("CPU time of the server process per replay", CPU_TIMES)
    report("plan + agent loop alone (CPU, no I/O)", engine)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--serve-provider", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_provider:
        serve_provider(*args.serve_provider)
    else:
        asyncio.run(main(args.steps, args.rounds))
