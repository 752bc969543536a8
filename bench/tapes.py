"""Server time of a tape of 1,000 steps: the public JSON (first view, repeat view, a 304 for a
matching ETag) and the player page, through the ASGI app in-process on a fresh SQLite directory.
`--browser`: instead, whether the player stays responsive, in headless Chromium (Playwright)
against a real `tracehouse serve`: the page's size, load and first-paint times, long tasks
(main-thread work over 50 ms) while loading and while playing at 4x, the longest gap between
frames, and how long a click on a step takes to show it (click to the next frame).

    .venv/bin/python bench/tapes.py --steps 1000 --rounds 50
    .venv/bin/python bench/tapes.py --steps 1000 --browser [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tracehouse.app import create_app
from tracehouse.bootstrap import bootstrap
from tracehouse.config import Settings
from tracehouse.store.engine import open_database
from tracehouse.store.migrate import upgrade

SECRET = "sk-th-bench-" + "x" * 40
AUTH = {"Authorization": f"Bearer {SECRET}"}


def trace(steps: int) -> dict[str, object]:
    observations = [
        {
            "id": f"s{i}",
            "parentId": None if i == 0 else f"s{(i - 1) // 10}",
            "type": ("agent", "generation", "tool", "retriever")[i % 4],
            "name": f"step-{i}",
            "startTime": f"2026-11-01T10:{i // 1000 % 60:02d}:{i // 10 % 60:02d}.{i % 10}00Z",
            "endTime": f"2026-11-01T10:{i // 1000 % 60:02d}:{i // 10 % 60:02d}.{i % 10}90Z",
            "input": {"messages": [{"role": "user", "content": f"question {i} " + "x" * 200}]},
            "output": {"role": "assistant", "content": "answer " + "y" * 200},
            "metadata": {"api_key": "secret", "i": i},
        }
        for i in range(steps)
    ]
    return {"id": "bench", "name": "bench", "timestamp": "2026-11-01T10:00:00Z",
            "observations": observations}  # fmt: skip


async def timed(label: str, rounds: int, call: Callable[[int], Awaitable[httpx.Response]]) -> None:
    times = []
    for n in range(rounds):
        began = time.perf_counter()
        response = await call(n)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code in (200, 304), response.text[:200]
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{label:<42} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


async def main(steps: int, rounds: int) -> None:
    data = Path(tempfile.mkdtemp()) / "data"
    settings = Settings(data_dir=data, init_secret_key=SECRET, init_public_key="pk-th-bench",
                        rate_limit_enabled=False, retention_interval_seconds=0)  # fmt: skip
    upgrade(settings)
    db = open_database(settings)
    bootstrap(db.writer, settings)
    db.dispose()
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as c:
            assert (await c.post("/api/v1/traces", json=trace(steps), headers=AUTH)).is_success
            body = {"trace_id": "bench", "visibility": "public",
                    "redaction": {"metadata": True, "mask_keys": ["api_key"]}}  # fmt: skip
            began = time.perf_counter()
            tape = (await c.post("/api/v1/tapes", json=body, headers=AUTH)).json()
            print(f"publish {steps} steps: {(time.perf_counter() - began) * 1000:.1f} ms")
            url = f"/api/v1/tapes/{tape['slug']}"
            agent = lambda n: {"User-Agent": f"visitor-{n}"}  # noqa: E731
            await timed("JSON, a new visitor each time", rounds, lambda n: c.get(url, headers=agent(n)))
            await timed("JSON, the same visitor", rounds, lambda n: c.get(url))
            etag = (await c.get(url)).headers["etag"]
            match = {"If-None-Match": etag}
            await timed("JSON, cached (304)", rounds, lambda n: c.get(url, headers=match))
            embed = f"/embed/{tape['slug']}"
            await timed("player page /embed", rounds, lambda n: c.get(embed))
            page_tag = (await c.get(embed)).headers["etag"]
            await timed("player page, cached (304)", rounds,
                        lambda n: c.get(embed, headers={"If-None-Match": page_tag}))  # fmt: skip


#: Collects long tasks and frame gaps from the first byte on (runs before the page's scripts).
_OBSERVE = """
window.__bench = {long: [], frames: [], phase: "load"};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__bench.long.push([window.__bench.phase, e.duration]);
}).observe({type: "longtask", buffered: true});
let last = performance.now();
const frame = (now) => { window.__bench.frames.push([window.__bench.phase, now - last]);
  last = now; requestAnimationFrame(frame); };
requestAnimationFrame(frame);
"""

#: A click on the step in the middle of the tape: milliseconds until the next frame is drawn.
_CLICK = """async () => {
  const nodes = document.querySelectorAll("#steps .node[data-step]");
  const node = nodes[Math.floor(nodes.length / 2)];
  const began = performance.now();
  node.click();
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  return performance.now() - began;
}"""


def _summary(bench: dict[str, Any], phase: str) -> str:
    long = [d for p, d in bench["long"] if p == phase]
    gaps = [d for p, d in bench["frames"] if p == phase]
    total = sum(long)
    worst = max(gaps, default=0.0)
    return f"{len(long)} long tasks ({total:.0f} ms in all), longest frame gap {worst:.0f} ms"


def browser(steps: int, chromium: str, play_seconds: float) -> None:
    """The player of a published tape of `steps` steps, in headless Chromium."""
    from playwright.sync_api import sync_playwright
    from tests.server import start_server

    data = Path(tempfile.mkdtemp()) / "data"
    env = {"TRACEHOUSE_INIT_SECRET_KEY": SECRET, "TRACEHOUSE_INIT_PUBLIC_KEY": "pk-th-bench",
           "TRACEHOUSE_RATE_LIMIT_ENABLED": "false", "TRACEHOUSE_LOG_LEVEL": "warning"}  # fmt: skip
    server = start_server(data, env=env)
    try:
        assert httpx.post(f"{server.url}/api/v1/traces", json=trace(steps), headers=AUTH,
                          timeout=120).is_success  # fmt: skip
        body = {"trace_id": "bench", "visibility": "public",
                "redaction": {"metadata": True, "mask_keys": ["api_key"]}}  # fmt: skip
        tape = httpx.post(f"{server.url}/api/v1/tapes", json=body, headers=AUTH, timeout=120)
        url = f"{server.url}/embed/{tape.json()['slug']}?autoplay=0"
        with sync_playwright() as p:
            launched = p.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            page = launched.new_page(viewport={"width": 800, "height": 600})
            page.add_init_script(_OBSERVE)
            page.goto(url, wait_until="load")
            page.wait_for_timeout(500)
            _report_load(page, steps)
            page.evaluate("window.__bench.phase = 'click'")
            clicks = sorted(page.evaluate(_CLICK) for _ in range(9))
            print(f"click on a step -> next frame   median {clicks[4]:.1f} ms, worst {clicks[-1]:.1f} ms")
            page.evaluate("window.__bench.phase = 'play'")
            page.locator("#speed").select_option("4")
            page.locator("#play").click()
            page.wait_for_timeout(play_seconds * 1000)
            position = page.locator("#position").text_content()
            bench = page.evaluate("window.__bench")
            print(f"playing at 4x for {play_seconds:.0f} s (at {position}): {_summary(bench, 'play')}")
            print(f"after a click: {_summary(bench, 'click')}")
            launched.close()
    finally:
        server.stop()


def _report_load(page: Any, steps: int) -> None:
    timing = page.evaluate(
        """() => { const n = performance.getEntriesByType("navigation")[0];
        const paint = performance.getEntriesByName("first-contentful-paint")[0];
        return {bytes: n.encodedBodySize, decoded: n.decodedBodySize, response: n.responseEnd,
                dom: n.domContentLoadedEventEnd, load: n.loadEventEnd,
                fcp: paint ? paint.startTime : null,
                nodes: document.getElementsByTagName("*").length,
                heap: performance.memory ? performance.memory.usedJSHeapSize : null}; }"""
    )
    print(f"/embed page of {steps} steps: {timing['decoded'] / 1e6:.2f} MB HTML "
          f"({timing['bytes'] / 1e6:.2f} MB on the wire), {timing['nodes']:,} elements, "
          f"JS heap {(timing['heap'] or 0) / 1e6:.1f} MB")  # fmt: skip
    print(f"response end {timing['response']:.0f} ms, DOMContentLoaded {timing['dom']:.0f} ms, "
          f"first paint {timing['fcp'] or 0:.0f} ms, load {timing['load']:.0f} ms")  # fmt: skip
    print(f"while loading: {_summary(page.evaluate('window.__bench'), 'load')}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--browser", action="store_true", help="measure the player in Chromium")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--play-seconds", type=float, default=10.0)
    args = parser.parse_args()
    if args.browser:
        browser(args.steps, args.chromium, args.play_seconds)
    else:
        asyncio.run(main(args.steps, args.rounds))
