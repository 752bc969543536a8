"""End to end in Chromium: a person creates a prompt, edits it into a new version, labels it and
compares the two; adds a provider credential, tests its connection and rotates its key; browses
observations across traces and opens one at its node; looks at end users. Each page is shot at
1280 and 390 px wide (test-output/screenshots/); any console error or a page wider than the
window fails the test.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from tests import fake_openai
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, SECRET_KEY
from tests.server import ServerProcess
from tests.ui import test_browser
from tests.ui.test_browser import SHOTS

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {SECRET_KEY}"}
KEY = "sk-browser-5e1f0c2d9a"
server = test_browser.server  # the same fixtures: one server and browser for the module
browser_page = test_browser.browser_page
#: What sticks out past the window's right edge, to name it when a page overflows.
WIDE = """[...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > innerWidth + 1).slice(0, 5)
  .map((e) => `${e.tagName}#${e.id}.${e.className}`)"""


def _check(page: Any, name: str, errors: list[str]) -> None:
    """Shoot the page at both widths; no console error, nothing wider than the window."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        wide = page.evaluate(WIDE)
        assert overflow <= 0, f"{name} {wide} is {overflow}px wider than a {width}px window"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert errors == [], errors


def _log_in(page: Any, errors: list[str]) -> None:
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/ui/")
    if page.get_by_role("button", name="Log in").count():
        page.get_by_label("E-mail").fill(ADMIN_EMAIL)
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/traces")


def _nav(page: Any, name: str) -> None:
    page.locator("nav.tabs").get_by_role("link", name=name, exact=True).click()


def test_prompts_are_created_edited_labelled_and_compared(browser_page: Any) -> None:
    from playwright.sync_api import expect

    page, errors = browser_page, []
    _log_in(page, errors)
    _nav(page, "Prompts")
    _check(page, "prompts-empty", errors)
    form = page.locator("#create-prompt")
    form.get_by_label("Prompt name").fill("support/answer")
    form.get_by_label("Prompt", exact=True).fill("Answer {{question}}.\nBe brief.")
    form.get_by_label("Labels").fill("staging")
    form.get_by_label("Commit message").fill("first cut")
    form.get_by_role("button", name="Create prompt").click()
    expect(page.locator("#version h2")).to_contain_text("Version 1")
    page.locator("#edit summary").click()
    edit = page.locator("#new-version")
    expect(edit.get_by_label("Prompt", exact=True)).to_have_value("Answer {{question}}.\nBe brief.")
    edit.get_by_label("Prompt", exact=True).fill("Answer {{question}} politely.\nBe brief.")
    edit.get_by_label("Commit message").fill("politer")
    edit.get_by_role("button", name="Save version 2").click()
    expect(page.locator("#version h2")).to_contain_text("Version 2")
    page.locator("#move-label").get_by_role("button", name="on version 2").click()
    expect(page.locator("#version h2")).to_contain_text("production")
    expect(page.locator("#diff td.d-added")).to_contain_text(["Answer {{question}} politely."])
    _check(page, "prompt-edited", errors)
    api = httpx.get(f"{page.url.split('/ui/')[0]}/api/v1/prompts/support/answer", headers=AUTH)
    assert (api.json()["version"], api.json()["commit_message"]) == (2, "politer")
    page.locator("#move-label").get_by_label("Label").fill("staging")
    page.locator("#move-label").get_by_role("button", name="on version 2").click()
    expect(page.locator("#version h2")).to_contain_text("staging")
    page.locator("#remove-labels").get_by_role("button", name="Remove label staging").click()
    expect(page.locator("#version h2")).not_to_contain_text("staging")
    _nav(page, "Prompts")
    page.locator("body").press("j")
    page.locator("body").press("Enter")
    expect(page.locator("#versions")).to_be_visible()
    _check(page, "prompt-from-list", errors)


def test_a_provider_credential_is_added_tested_and_rotated(browser_page: Any) -> None:
    from playwright.sync_api import expect

    page, errors = browser_page, []
    _log_in(page, errors)
    _nav(page, "Settings")
    expect(page.locator("#no-providers")).to_be_visible()
    with fake_openai.fake_openai() as llm:
        form = page.locator("#add-provider")
        form.get_by_label("Credential name").fill("local-llm")
        form.get_by_label("API key").fill(KEY)
        form.get_by_label("Base URL").fill(llm)
        form.get_by_label("Default model").fill("gpt-4o-mini")
        form.get_by_role("button", name="Add credential").click()
        row = page.locator("tr[data-provider]", has_text="local-llm")
        expect(row).to_contain_text("gpt-4o-mini")
        assert KEY not in page.content()  # never shown again, not even in the HTML
        row.get_by_role("button", name="Test").click()
        expect(page.locator("#provider-check")).to_contain_text("connected: gpt-4o-mini")
        _check(page, "settings-provider", errors)
        page.get_by_label("New API key for local-llm").fill("sk-rotated-7777")
        page.get_by_role("button", name="Rotate key").click()
        expect(page.locator("tr[data-provider]", has_text="local-llm")).to_contain_text("7777")
    page.locator("#new-project").get_by_label("New project name", exact=True).fill("browser-second")
    page.locator("#new-project").get_by_role("button", name="Create project").click()
    expect(page.locator("#project-picker")).to_contain_text("browser-second")
    page.locator("#delete-project summary").click()
    page.get_by_label("Project name to confirm").fill("browser-second")
    page.get_by_role("button", name="Delete project and all its data").click()
    page.wait_for_url("**/traces")
    expect(page.locator("#project-picker")).not_to_contain_text("browser-second")
    _check(page, "after-project-deleted", errors)


def test_observations_and_users(browser_page: Any, server: ServerProcess) -> None:
    from playwright.sync_api import expect

    trace_id = f"obs-{uuid.uuid4().hex[:8]}"
    body = {
        "id": trace_id,
        "name": "support",
        "user_id": "dana@example.com",
        "session_id": "s-1",
        "observations": [
            {"id": f"{trace_id}-span", "type": "span", "name": "retrieve"},
            {"id": f"{trace_id}-gen", "type": "generation", "name": "answer",
             "parent_id": f"{trace_id}-span", "model": "gpt-4o-mini",
             "usage": {"input_tokens": 120, "output_tokens": 30}},
        ],
    }  # fmt: skip
    sent = httpx.post(f"{server.url}/api/v1/traces", json=body, headers=AUTH, timeout=10)
    assert sent.status_code == 201, sent.text
    page, errors = browser_page, []
    _log_in(page, errors)
    _nav(page, "Observations")
    page.get_by_label("Type").select_option("generation")
    page.get_by_role("button", name="Filter").click()
    row = page.locator(f'tr[data-id="{trace_id}-gen"]')
    expect(row).to_contain_text("gpt-4o-mini")
    expect(page.locator(f'tr[data-id="{trace_id}-span"]')).to_have_count(0)
    _check(page, "observations", errors)
    page.locator("body").press("j")
    page.locator("body").press("Enter")
    expect(page.locator(f'.node[data-id="{trace_id}-gen"]')).to_have_class(
        re.compile(r"\bselected\b")
    )
    _nav(page, "Users")
    page.get_by_role("link", name="dana@example.com").click()
    expect(page.locator(f'tr[data-id="{trace_id}"]')).to_be_visible()
    page.locator("#theme-toggle").click()
    _check(page, "user-dark", errors)
    page.locator("#theme-toggle").click()
