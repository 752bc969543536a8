"""In Debian's Chromium: a page of another origin frames `/embed/{slug}`; the visitor presses
play, changes the speed and sees the steps advance, while the tape page itself refuses to be
framed. Screenshots of the tape page and the player go to test-output/screenshots/."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.conftest import INIT_ENV, SECRET_KEY
from tests.server import ServerProcess, start_server
from tests.tapes.conftest import secret_trace
from tests.ui.test_browser import CHROMIUM, SHOTS, _need_chromium

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {SECRET_KEY}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    env = {
        **INIT_ENV,
    }
    process = start_server(tmp_path_factory.mktemp("tapes") / "data", env=env)
    try:
        yield process
    finally:
        process.stop()


def _host_page(html: str) -> Iterator[str]:
    """A blog of another origin (its own loopback port) serving `html` at `/`."""

    class Blog(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    blog = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Blog)
    thread = threading.Thread(target=blog.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{blog.server_address[1]}/"
    finally:
        blog.shutdown()
        blog.server_close()


def test_the_player_plays_inside_another_sites_iframe(server: ServerProcess) -> None:
    _need_chromium()
    from playwright.sync_api import expect, sync_playwright

    sent = httpx.post(f"{server.url}/api/v1/traces", json=secret_trace(), headers=AUTH)
    assert sent.status_code == 201, sent.text
    tape = httpx.post(
        f"{server.url}/api/v1/tapes",
        json={
            "trace_id": "tape-trace",
            "visibility": "public",
            "title": "Parcel agent",
            "redaction": {"mask_keys": ["api_key"]},
        },
        headers=AUTH,
    ).json()
    html = (
        f'<h1>My blog</h1><iframe id="player" src="{server.url}/embed/{tape["slug"]}?autoplay=0"'
        ' width="640" height="500"></iframe>'
        f'<iframe id="page" src="{server.url}/t/{tape["slug"]}" width="300" height="200"></iframe>'
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    for blog_url in _host_page(html):
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.set_default_timeout(15_000)
            page.goto(blog_url)
            player = page.frame_locator("#player")
            expect(player.locator("#position")).to_have_text("0 / 3")
            player.locator("#speed").select_option("4")
            player.locator("#play").click()
            expect(player.locator("#position")).to_have_text("3 / 3")
            expect(player.locator('.step-io[data-step="2"]')).to_be_visible()
            expect(player.locator(".step-io:visible")).to_contain_text("Berlin")
            expect(player.locator("#play")).to_have_text("▶ Play")  # stopped at the end
            page.screenshot(path=str(SHOTS / "tape-embed-in-blog.png"))
            # The tape page is not framable: Chromium shows its own error page instead.
            framed = page.frame_locator("#page")
            expect(framed.locator("#player")).to_have_count(0)
            narrow = browser.new_page(viewport={"width": 320, "height": 640})
            narrow.goto(f"{server.url}/embed/{tape['slug']}?autoplay=0")
            width = narrow.evaluate("document.documentElement.scrollWidth")
            assert width <= 330, width  # no sideways scrolling at 320 px
            tape_page = browser.new_page(viewport={"width": 1360, "height": 860})
            tape_page.goto(f"{server.url}/t/{tape['slug']}")
            tape_page.locator("summary", has_text="Embed").click()
            expect(tape_page.locator("#embed-snippet")).to_contain_text("/embed/")
            tape_page.screenshot(path=str(SHOTS / "tape-page.png"))
            browser.close()
