"""End to end in Chromium against a real `tracehouse serve` (its indexer running as usual): a
person searches for an error message, sees the marked snippet and opens the trace at the span.
Shot at 1280 and 390 px wide; a console error or a page wider than the window fails the test."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest
from tests.server import ServerProcess
from tests.ui import test_browser
from tests.ui.test_browser_product import AUTH, _check, _log_in, _nav

pytestmark = pytest.mark.slow
server = test_browser.server
browser_page = test_browser.browser_page


def _indexed(server: ServerProcess, word: str) -> None:
    """Wait until the server's indexer has read the trace holding `word`."""
    for _ in range(200):
        response = httpx.post(
            f"{server.url}/api/v1/search", json={"query": word}, headers=AUTH, timeout=10
        )
        assert response.status_code == 200, response.text
        if response.json()["data"]:
            return
        time.sleep(0.1)
    raise AssertionError(f"{word!r} never indexed")


def test_an_error_message_is_found_and_opens_the_span(
    browser_page: Any, server: ServerProcess
) -> None:
    from playwright.sync_api import expect

    page, errors = browser_page, []
    trace_id = f"search-{uuid.uuid4().hex[:8]}"
    long_words = " ".join(["unbroken_" * 20] * 3)
    trace = {
        "id": trace_id,
        "name": "checkout agent",
        "observations": [
            {
                "id": f"{trace_id}-pay",
                "type": "tool",
                "name": "charge_card",
                "level": "ERROR",
                "statusMessage": f"payment gateway answered narwhal-503 {long_words}",
            }
        ],
    }
    response = httpx.post(f"{server.url}/api/v1/traces", json=trace, headers=AUTH, timeout=10)
    assert response.status_code == 201, response.text
    _indexed(server, "narwhal")
    _log_in(page, errors)
    _nav(page, "Search")
    _check(page, "search-empty", errors)
    page.locator("#search").fill("narwhal gateway")
    page.get_by_role("button", name="Search").click()
    hit = page.locator("#hits li.hit")
    expect(hit).to_have_count(1)
    expect(hit.locator("mark")).to_have_text(["gateway", "narwhal"])
    expect(page.locator("#index-lag")).to_be_visible()
    _check(page, "search-hits", errors)
    hit.get_by_role("link", name="checkout agent").click()
    page.wait_for_url(f"**/traces/{trace_id}#{trace_id}-pay")
    assert not errors, errors
