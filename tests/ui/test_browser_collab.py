"""End to end in Chromium, two people in two browser contexts: one comments on a trace with an
@mention and assigns it; the other, logged in elsewhere, sees the header bell's count rise live
(no reload), opens the inbox from the bell and resolves the assignment, and the first person's
bell rises in turn. And the comment box's @mention autocomplete, driven by the keyboard.
Screenshots in test-output/screenshots/; console errors fail the test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, SECRET_KEY
from tests.server import ServerProcess
from tests.ui import test_browser
from tests.ui.test_browser import CHROMIUM, SHOTS, _need_chromium

pytestmark = pytest.mark.slow
server = test_browser.server  # this module's own server process
AUTH = {"Authorization": f"Bearer {SECRET_KEY}"}
MIA = "mia@example.com"
MIA_PASSWORD = "longenough-mia"


@pytest.fixture(scope="module")
def two_people(server: ServerProcess) -> Iterator[tuple[Any, Any, list[str]]]:
    """A page for the admin and one for Mia, each in its own browser context (own cookies)."""
    _need_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        pages = []
        for _ in range(2):
            context = browser.new_context(
                viewport={"width": 1360, "height": 860}, base_url=server.url
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            pages.append(page)
        yield pages[0], pages[1], errors
        browser.close()


@pytest.fixture(autouse=True)
def _own_errors(two_people: tuple[Any, Any, list[str]]) -> None:
    """Each test judged on its own console errors (the pages are the module's)."""
    two_people[2].clear()


def _setup(base: str, trace_id: str) -> None:
    login = httpx.post(
        f"{base}/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    token = {"Authorization": f"Bearer {login.json()['token']}"}
    org_id = httpx.get(f"{base}/api/v1/organizations", headers=token).json()["data"][0]["id"]
    person = {"email": MIA, "password": MIA_PASSWORD, "orgId": org_id, "role": "member"}
    assert httpx.post(f"{base}/api/v1/users", json=person, headers=token).status_code == 201
    trace = {"id": trace_id, "name": "refund agent", "input": "Where is my refund?"}
    assert httpx.post(f"{base}/api/v1/traces", json=trace, headers=AUTH).status_code == 201


def _log_in(page: Any, email: str, password: str) -> None:
    page.goto("/ui/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/traces")
    page.wait_for_function("document.body?.dataset.live === 'ready'")  # the /ws feed is open


def test_a_mention_rises_the_bell_live_and_the_assignee_resolves(
    server: ServerProcess, two_people: tuple[Any, Any, list[str]]
) -> None:
    from playwright.sync_api import expect

    admin, mia, errors = two_people
    trace_id = f"collab-{uuid.uuid4().hex[:8]}"
    _setup(server.url, trace_id)
    _log_in(mia, MIA, MIA_PASSWORD)
    expect(mia.locator("#bell-count")).to_have_text("0")
    _log_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    project = admin.evaluate("document.body.dataset.project")
    admin.goto(f"/ui/p/{project}/traces/{trace_id}")
    admin.wait_for_function("document.body?.dataset.live === 'ready'")
    admin.get_by_label("Comment", exact=True).fill(f"@{MIA} can you check this refund?")
    admin.get_by_role("button", name="Comment", exact=True).click()
    expect(admin.locator("#comments .comment")).to_have_count(1)
    expect(mia.locator("#bell-count")).to_have_text("1")  # live: Mia's page never reloaded
    expect(mia.locator("#bell")).to_have_class("bell has-unread")
    mia.screenshot(path=str(SHOTS / "bell-mention.png"))
    admin.wait_for_function("document.body?.dataset.live === 'ready'")
    admin.get_by_label("Assign to").fill(MIA)
    admin.get_by_label("Assignment note").fill("Refund stuck since Monday")
    admin.get_by_role("button", name="Assign", exact=True).click()
    expect(mia.locator("#bell-count")).to_have_text("2")
    admin.wait_for_function("document.body?.dataset.live === 'ready'")
    mia.locator("#bell").click()
    mia.wait_for_url("**/inbox")
    assignments = mia.locator("#my-assignments")
    expect(assignments).to_contain_text("Refund stuck since Monday")
    expect(mia.locator("#notifications")).to_contain_text("mentioned you")
    mia.screenshot(path=str(SHOTS / "inbox-assigned.png"), full_page=True)
    assignments.get_by_role("button", name="Resolve").click()
    expect(assignments).to_contain_text("Nothing open.")
    expect(admin.locator("#bell-count")).to_have_text("1")  # the assigner hears of it, live
    assert errors == [], errors


def _people(base: str, emails: list[str]) -> None:
    """The admin's organization has these members (made now, or already there)."""
    login = httpx.post(
        f"{base}/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    token = {"Authorization": f"Bearer {login.json()['token']}"}
    org_id = httpx.get(f"{base}/api/v1/organizations", headers=token).json()["data"][0]["id"]
    for email in emails:
        person = {"email": email, "password": "longenough-x", "orgId": org_id, "role": "member"}
        made = httpx.post(f"{base}/api/v1/users", json=person, headers=token)
        assert made.status_code in (201, 409), made.text


def test_typing_at_offers_members_chosen_with_the_keyboard(
    server: ServerProcess, two_people: tuple[Any, Any, list[str]]
) -> None:
    from playwright.sync_api import expect

    admin, _, errors = two_people
    trace_id = f"mention-{uuid.uuid4().hex[:8]}"
    _people(server.url, [MIA, "milo@example.com"])
    trace = {"id": trace_id, "name": "refund agent", "input": "Where is my refund?"}
    assert httpx.post(f"{server.url}/api/v1/traces", json=trace, headers=AUTH).status_code == 201
    admin.context.clear_cookies()
    _log_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    project = admin.evaluate("document.body.dataset.project")
    admin.goto(f"/ui/p/{project}/traces/{trace_id}")
    box = admin.get_by_label("Comment", exact=True)
    options = admin.get_by_role("listbox", name="Members to mention").get_by_role("option")
    box.press_sequentially("Please look, @a")
    expect(options).to_have_count(1)  # admin@example.com only
    box.press("Escape")
    expect(options).to_have_count(0)
    box.fill("")
    box.press_sequentially("Please look, @mi")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_contain_text(MIA)
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("ArrowUp")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    admin.locator(".comment-form .mention-list").scroll_into_view_if_needed()
    admin.screenshot(path=str(SHOTS / "mention-autocomplete.png"))
    box.press("Enter")
    expect(options).to_have_count(0)
    expect(box).to_have_value("Please look, @milo@example.com ")
    box.press_sequentially("and @mia")
    admin.get_by_role("option", name=MIA).click()
    expect(box).to_have_value(f"Please look, @milo@example.com and @{MIA} ")
    admin.get_by_role("button", name="Comment", exact=True).click()
    comment = admin.locator("#comments .comment")
    expect(comment).to_have_count(1)
    expect(comment).to_contain_text(f"Please look, @milo@example.com and @{MIA}")
    assert errors == [], errors


def test_an_observation_pane_comment_box_offers_members_and_posts(
    server: ServerProcess, two_people: tuple[Any, Any, list[str]]
) -> None:
    from playwright.sync_api import expect

    admin, _, errors = two_people
    trace_id = f"pane-{uuid.uuid4().hex[:8]}"
    _people(server.url, [MIA])
    observation = {"id": f"{trace_id}-o", "type": "span", "name": "lookup"}
    trace = {"id": trace_id, "name": "refund agent", "observations": [observation]}
    assert httpx.post(f"{server.url}/api/v1/traces", json=trace, headers=AUTH).status_code == 201
    admin.context.clear_cookies()
    _log_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    project = admin.evaluate("document.body.dataset.project")
    admin.goto(f"/ui/p/{project}/traces/{trace_id}#{observation['id']}")
    pane = admin.locator("#detail")
    expect(pane).to_contain_text("lookup")
    box = pane.get_by_label("Comment", exact=True)
    box.press_sequentially("Slow here, @mia")  # the pane came by fetch: its box works too
    admin.get_by_role("option", name=MIA).click()
    expect(box).to_have_value(f"Slow here, @{MIA} ")
    pane.get_by_role("button", name="Comment", exact=True).click()
    admin.wait_for_url(f"**#{observation['id']}")
    comment = admin.locator("#detail #comments .comment")
    expect(comment).to_have_count(1)
    expect(comment).to_contain_text(f"Slow here, @{MIA}")
    assert errors == [], errors
