"""End to end in Chromium: a person opens the memory browser, narrows it to a scope, searches
and deletes an entry. Shot at 1280 and 390 px wide; a console error or a page wider than the
window fails the test."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.server import ServerProcess
from tests.ui import test_browser
from tests.ui.test_browser_product import AUTH, _check, _log_in, _nav

pytestmark = pytest.mark.slow
server = test_browser.server
browser_page = test_browser.browser_page


def _remember(server: ServerProcess, **body: Any) -> None:
    response = httpx.post(f"{server.url}/api/v1/memory", json=body, headers=AUTH, timeout=10)
    assert response.status_code in (200, 201), response.text


def test_memory_is_browsed_searched_and_forgotten(browser_page: Any, server: ServerProcess) -> None:
    from playwright.sync_api import expect

    page = browser_page
    errors: list[str] = []
    long_text = "Prefers very detailed answers " + "with many_unbroken_words_" * 12
    _remember(server, content=long_text, scope="user/alice", category="preference")
    _remember(server, content="Drinks tea every afternoon", scope="user/alice/habits")
    _remember(server, content="Likes espresso", scope="user/bob", metadata={"source": "chat"})
    _log_in(page, errors)
    _nav(page, "Memory")
    expect(page.locator("#memory-list tbody tr")).to_have_count(3)
    _check(page, "memory", errors)
    page.locator("#memory-scope-list").get_by_role("link", name="user/alice 1").click()
    expect(page.locator("#memory-list tbody tr")).to_have_count(2)
    page.get_by_label("Search").fill("tea")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#memory-mode")).to_contain_text("1 hit, keyword search")
    _check(page, "memory-search", errors)
    page.locator("#memory-list").get_by_role("button", name="Delete").click()
    expect(page.locator("#memory-empty")).to_be_visible()
    assert "q=tea" in page.url
    _check(page, "memory-deleted", errors)
