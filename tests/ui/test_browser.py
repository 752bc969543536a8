"""End to end in Debian's Chromium through Playwright: log in, see a live trace arrive, filter,
open a trace and expand a node, sessions, dashboard, create and revoke a key. Screenshots of each
page go to test-output/screenshots/.

Playwright never downloads a browser here: it drives /usr/bin/chromium, which `make test`
installs (scripts/ensure-chromium.sh). Under CI=true a missing Chromium fails these tests.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, INIT_ENV, SECRET_KEY
from tests.server import ServerProcess, start_server

pytestmark = pytest.mark.slow
CHROMIUM = os.environ.get("TRACEHOUSE_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
AUTH = {"Authorization": f"Bearer {SECRET_KEY}"}
START = datetime.now(UTC) - timedelta(hours=1)


def _need_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"Chromium is missing at {CHROMIUM}: run scripts/ensure-chromium.sh (make test)."
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    data = tmp_path_factory.mktemp("browser") / "data"
    env = {
        **INIT_ENV,
    }
    process = start_server(data, env=env)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def browser_page(server: ServerProcess) -> Iterator[Any]:
    _need_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # a loaded CI machine is slow, never wrong
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        context = browser.new_context(
            viewport={"width": 1360, "height": 860}, color_scheme="light", base_url=server.url
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        yield page
        context.close()
        browser.close()


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _at(seconds: float) -> str:
    """A time `seconds` after the start of this test's traces (an hour ago)."""
    return (START + timedelta(seconds=seconds)).isoformat()


def _agent_trace(base: str, trace_id: str, user: str, session: str, status_error: bool) -> None:
    messages = [
        {"role": "system", "content": "You are a helpful travel agent."},
        {"role": "user", "content": "Find me a train from Paris to Lyon tomorrow morning."},
    ]
    call = {"id": "call_1", "function": {"name": "search_trains", "arguments": '{"from": "Paris"}'}}
    body = {
        "id": trace_id,
        "name": "travel-agent",
        "user_id": user,
        "session_id": session,
        "tags": ["agent", "prod"],
        "input": messages,
        "output": {"role": "assistant", "content": "The 08:04 TGV arrives at 10:01."},
        "start_time": _at(0.0),
        "end_time": _at(4.2),
        "observations": [
            {"id": f"{trace_id}-agent", "type": "agent", "name": "planner",
             "start_time": _at(0.0), "end_time": _at(4.2)},
            {"id": f"{trace_id}-llm1", "type": "generation", "name": "choose tool",
             "parent_id": f"{trace_id}-agent", "model": "gpt-4o-mini",
             "start_time": _at(0.1), "end_time": _at(1.3),
             "completion_start_time": _at(0.4),
             "model_parameters": {"temperature": 0.2},
             "input": messages, "output": {"role": "assistant", "tool_calls": [call]},
             "usage": {"input_tokens": 412, "output_tokens": 36}},
            {"id": f"{trace_id}-tool", "type": "tool", "name": "search_trains",
             "parent_id": f"{trace_id}-agent",
             "start_time": _at(1.4), "end_time": _at(2.9),
             "input": {"from": "Paris", "to": "Lyon"}, "output": {"trains": ["08:04 TGV", "09:00"]},
             "level": "ERROR" if status_error else "DEFAULT",
             "status_message": "upstream timeout" if status_error else None},
            {"id": f"{trace_id}-llm2", "type": "generation", "name": "answer",
             "parent_id": f"{trace_id}-agent", "model": "gpt-4o",
             "start_time": _at(3.0), "end_time": _at(4.1),
             "input": messages, "output": "The 08:04 TGV arrives at 10:01.",
             "usage": {"input_tokens": 530, "output_tokens": 22}},
        ],
    }  # fmt: skip
    response = httpx.post(f"{base}/api/v1/traces", json=body, headers=AUTH, timeout=10)
    assert response.status_code == 201, response.text
    score = {"trace_id": trace_id, "name": "helpfulness", "value": 0.9}
    assert httpx.post(f"{base}/api/v1/scores", json=score, headers=AUTH).status_code == 201


def test_a_person_uses_the_web_ui(browser_page: Any, server: ServerProcess) -> None:
    from playwright.sync_api import expect

    page = browser_page
    page.goto("/ui/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    _shot(page, "01-login")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Send your first trace")).to_be_visible()
    expect(page.locator("#first-trace-example")).to_contain_text("/api/v1/traces")
    expect(page.locator("body")).to_have_attribute("data-live", "ready")
    _shot(page, "02-empty-state")

    # A trace sent now appears without reloading the page.
    first = f"trip-{uuid.uuid4().hex[:8]}"
    _agent_trace(server.url, first, "alice", "conv-42", status_error=True)
    expect(page.locator(f'tr[data-id="{first}"]')).to_be_visible()
    expect(page.get_by_text("Send your first trace")).to_have_count(0)
    for i, user in enumerate(("bob", "alice", "carol")):
        _agent_trace(
            server.url, f"{first}-{i}", user, "conv-42" if user == "alice" else f"c{i}", False
        )
    expect(page.locator("#trace-rows tr")).to_have_count(4)
    _shot(page, "03-traces-live")

    # Filter by user.
    page.get_by_placeholder("User").fill("bob")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#trace-rows tr")).to_have_count(1)
    expect(page.locator("#trace-rows")).to_contain_text("bob")
    _shot(page, "04-traces-filtered")
    page.get_by_role("link", name="Clear").click()
    expect(page.locator("#trace-rows tr")).to_have_count(4)

    # Keyboard: j moves the cursor, Enter opens the trace.
    page.locator("body").press("j")
    page.locator("body").press("Enter")
    expect(page.locator("#tree")).to_be_visible()
    page.goto(f"/ui/p/{page.url.split('/')[5]}/traces/{first}")
    tool = page.locator(f'.node[data-id="{first}-tool"]')
    expect(tool).to_have_class("node error")
    agent = page.locator(f'.node[data-id="{first}-agent"]')
    agent.locator(".fold").click()  # fold the agent: its children hide
    expect(tool).to_be_hidden()
    agent.locator(".fold").click()  # expand it again
    expect(tool).to_be_visible()
    page.locator(f'.node[data-id="{first}-llm1"]').click()
    detail = page.locator("#detail")
    expect(detail).to_contain_text("gpt-4o-mini")
    expect(detail).to_contain_text("search_trains")  # the tool call, shown as such
    expect(detail).to_contain_text("temperature")
    expect(detail.locator(".msg.role-system")).to_contain_text("travel agent")
    _shot(page, "05-trace")
    page.locator("#theme-toggle").click()
    _shot(page, "06-trace-dark")
    page.locator("#theme-toggle").click()

    page.get_by_role("link", name="Sessions").click()
    expect(page.get_by_role("link", name="conv-42")).to_be_visible()
    page.get_by_role("link", name="conv-42").click()
    expect(page.locator(".turn")).to_have_count(2)
    _shot(page, "07-session")

    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("link", name="30d").click()
    expect(page.locator(".chart svg").first).to_be_visible()
    expect(page.locator(".bars")).to_contain_text(["gpt-4o"])
    expect(page.locator('[data-metric="success_rate"]')).to_be_visible()
    _shot(page, "08-dashboard")
    minute = "%Y-%m-%dT%H:%M"
    page.get_by_label("From (UTC)").fill((START - timedelta(hours=1)).strftime(minute))
    page.get_by_label("To (UTC)").fill((datetime.now(UTC) + timedelta(hours=1)).strftime(minute))
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"dashboard\?from="))
    expect(page.locator("#range")).to_contain_text("buckets of 5 min")
    expect(page.locator(".bars")).to_contain_text(["gpt-4o"])

    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Key name").fill("ci-runner")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-secret-value").inner_text()
    assert secret.startswith("sk-")
    headers = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{server.url}/api/v1/traces", headers=headers).status_code == 200
    _shot(page, "09-settings-new-key")
    row = page.locator("tr", has_text="ci-runner")
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("tr.revoked", has_text="ci-runner")).to_be_visible()
    expect(page.locator("#new-secret-value")).to_have_count(0)
    assert httpx.get(f"{server.url}/api/v1/traces", headers=headers).status_code == 401
    _shot(page, "10-settings")


def _prompt_versions(base: str) -> None:
    """Two versions of a chat prompt (production on the first), and a generation of each."""
    system = "You are a travel agent. Answer in {{language}}."
    for i, (extra, labels) in enumerate(
        ((" Be brief.", ["production"]), (" Quote prices in EUR.\nAsk before booking.", []))
    ):
        body = {
            "name": "travel/agent",
            "type": "chat",
            "prompt": [
                {"role": "system", "content": system + extra},
                {"type": "placeholder", "name": "history"},
                {"role": "user", "content": "{{question}}"},
            ],
            "config": {"model": "gpt-4o-mini", "temperature": (0.2, 0.3)[i]},
            "labels": labels,
            "commit_message": ("First version", "Prices in euros; confirm bookings")[i],
            "author": "ada@example.com",
        }
        assert httpx.post(f"{base}/api/v1/prompts", json=body, headers=AUTH).status_code == 201
        trace = {
            "id": f"prompted-{uuid.uuid4().hex[:8]}",
            "name": "agent",
            "observations": [
                {
                    "id": f"gen-{uuid.uuid4().hex[:8]}",
                    "type": "generation",
                    "model": "gpt-4o-mini",
                    "promptName": "travel/agent",
                    "promptVersion": i + 1,
                    "start_time": _at(0),
                    "end_time": _at(0.8 + i),
                    "usage": {"input_tokens": 120, "output_tokens": 40},
                }
            ],
        }
        assert httpx.post(f"{base}/api/v1/traces", json=trace, headers=AUTH).status_code == 201


def test_a_person_compares_prompt_versions_and_moves_a_label(
    browser_page: Any, server: ServerProcess
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    _prompt_versions(server.url)
    page.goto("/ui/")
    if page.get_by_role("button", name="Log in").count():
        page.get_by_label("E-mail").fill(ADMIN_EMAIL)
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Prompts").click()
    expect(page.locator("#prompt-list")).to_contain_text("travel/agent")
    _shot(page, "11-prompts")
    page.get_by_role("link", name="travel/agent").click()
    expect(page.locator("#version h2")).to_contain_text("Version 1")
    page.get_by_role("link", name="v2", exact=True).click()
    expect(page.locator("#diff td.d-added").first).to_contain_text("Quote prices in EUR.")
    expect(page.locator("#diff td.d-removed").first).to_contain_text("Be brief.")
    expect(page.locator("#metrics tbody tr")).to_have_count(2)
    page.locator("#move-label").get_by_role("button").click()
    expect(page.locator('tr[data-version="2"]')).to_contain_text("production")
    expect(page.locator('tr[data-version="1"]')).not_to_contain_text("production")
    page.set_viewport_size({"width": 1360, "height": 1500})
    _shot(page, "12-prompt")
    page.locator("#theme-toggle").click()
    _shot(page, "13-prompt-dark")
    page.locator("#theme-toggle").click()
    page.set_viewport_size({"width": 1360, "height": 860})
    served = httpx.get(f"{server.url}/api/v1/prompts/travel/agent", headers=AUTH).json()
    assert served["version"] == 2
