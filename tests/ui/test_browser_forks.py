"""End to end in Chromium: fork an agent run from a node of its trace, edit the system prompt in
the fork's replay form, replay it against the local OpenAI-compatible server, follow its state
until it completes, and open the diff of the source and the replay. Each page is shot at 1280
and 390 px wide; a console error or a page wider than the window fails the test."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from tests import fake_openai
from tests.forks.test_replay_api import weather_trace
from tests.ui import test_browser, test_browser_product
from tests.ui.test_browser_product import AUTH

pytestmark = pytest.mark.slow
server = test_browser.server  # one server and browser for the module
browser_page = test_browser.browser_page
_check = test_browser_product._check
_log_in = test_browser_product._log_in


def _api(page: Any, method: str, path: str, body: dict[str, Any]) -> Any:
    base = page.url.split("/ui/")[0]
    response = httpx.request(method, f"{base}{path}", json=body, headers=AUTH, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_fork_from_a_node_replay_and_open_the_diff(browser_page: Any) -> None:
    from playwright.sync_api import expect

    page, errors = browser_page, []
    _log_in(page, errors)
    project = page.url.split("/ui/p/")[1].split("/")[0]
    with fake_openai.fake_openai() as llm:
        fake_openai.SCRIPT.reset()
        _api(page, "POST", "/api/v1/traces", weather_trace("browser-weather"))
        credential = {"name": "replayer", "kind": "openai", "apiKey": "sk-t", "baseUrl": llm}
        _api(page, "POST", "/api/v1/providers", credential)
        page.goto(f"/ui/p/{project}/traces/browser-weather")
        page.locator('.node[data-id="answer"]').click()
        page.get_by_role("button", name="Fork from here").click()
        page.wait_for_url("**/forks/*")
        form = page.locator("#replay-form")
        expect(form).to_be_visible()
        _check(page, "fork-replay-form", errors)
        messages = json.loads(form.get_by_label("Messages").input_value())
        assert messages[0] == {"role": "system", "content": "You are a weather bot."}
        messages[0]["content"] = "Answer like a pirate."
        form.get_by_label("Messages").fill(json.dumps(messages, indent=2))
        form.get_by_label("Temperature").fill("0")
        form.get_by_role("button", name="Replay").click()
        done = page.locator('#replay-list tr[data-state="completed"]')
        expect(done).to_be_visible()  # the page follows the replay until it ends
        assert fake_openai.SCRIPT.requests[0]["messages"][0]["content"] == "Answer like a pirate."
        _check(page, "fork-replayed", errors)
        done.get_by_role("link", name="Diff with the source").click()
        page.wait_for_url("**/diff/**")
        expect(page.locator("#divergence")).to_be_visible()
        _check(page, "fork-replay-diff", errors)
