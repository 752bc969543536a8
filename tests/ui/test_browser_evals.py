"""End to end in Debian's Chromium (Playwright, as tests/ui/test_browser.py): create an LLM judge
from a template, preview it on a trace and run it against the local OpenAI-compatible server;
create a monitor; annotate three queue items with the keyboard. Every page is checked for
console errors and horizontal overflow; screenshots go to test-output/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests import fake_openai
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, INIT_ENV, SECRET_KEY
from tests.server import ServerProcess, start_server
from tests.ui.test_browser import CHROMIUM, SHOTS, _need_chromium

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {SECRET_KEY}"}


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    env = {
        **INIT_ENV,
        "TRACEHOUSE_EVALUATION_INTERVAL_SECONDS": "0.5",
    }
    process = start_server(tmp_path_factory.mktemp("evals") / "data", env=env)
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def page(server: ServerProcess) -> Iterator[Any]:
    """A logged-in page; console errors and page errors are collected in `page.errors`."""
    _need_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        context = browser.new_context(
            viewport={"width": 1360, "height": 900}, color_scheme="light", base_url=server.url
        )
        context.set_default_timeout(15_000)
        tab = context.new_page()
        tab.errors = []
        tab.on("console", lambda m: m.type == "error" and tab.errors.append(m.text))
        tab.on("pageerror", lambda e: tab.errors.append(str(e)))
        tab.on("dialog", lambda dialog: dialog.accept())
        tab.goto("/ui/")
        tab.get_by_label("E-mail").fill(ADMIN_EMAIL)
        tab.get_by_label("Password").fill(ADMIN_PASSWORD)
        tab.get_by_role("button", name="Log in").click()
        expect(tab.locator("body")).to_have_attribute("data-project", re.compile(".+"))
        yield tab
        context.close()
        browser.close()


def _check(page: Any, shot: str) -> None:
    """No console error so far, nothing wider than the window; then a screenshot."""
    assert page.errors == [], page.errors
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{shot}: {overflow}px of horizontal overflow"
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)


def _trace(server: ServerProcess, trace_id: str, question: str) -> None:
    body = {
        "id": trace_id,
        "name": "support-answer",
        "input": [{"role": "user", "content": question}],
        "output": {"role": "assistant", "content": "Paris is the capital of France."},
        "metadata": {"expected": "Paris"},
    }
    response = httpx.post(f"{server.url}/api/v1/traces", json=body, headers=AUTH, timeout=10)
    assert response.status_code == 201, response.text


def test_a_person_creates_a_judge_from_a_template_and_runs_it(
    page: Any, server: ServerProcess, llm_url: str
) -> None:
    from playwright.sync_api import expect

    _trace(server, "eval-trace-1", "What is the capital of France?")
    page.locator("nav.tabs").get_by_role("link", name="Evaluators").click()
    expect(page.locator("#no-evaluators")).to_be_visible()
    _check(page, "20-evaluators-empty")
    form = page.locator("#add-provider")
    form.get_by_label("Provider name").fill("local")
    form.get_by_label("Base URL").fill(llm_url)
    form.get_by_label("API key").fill("sk-local-0001")
    form.get_by_label("Default model").fill("gpt-4o-mini")
    form.get_by_role("button", name="Add provider").click()
    expect(page.locator("#providers")).to_contain_text("gpt-4o-mini")

    page.get_by_role("link", name="Use correctness").click()
    expect(page.locator("#preview")).to_contain_text("What is the capital of France?")
    expect(page.locator("#preview")).to_contain_text("missing")  # expected_output unmapped
    page.get_by_label("Field for expected_output").fill("metadata.expected")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).not_to_contain_text("missing")
    page.get_by_label("Name", exact=True).fill("correct")
    page.get_by_label("Kind").select_option("code")  # the form shows the chosen kind's fields
    expect(page.locator("select[name=rule]")).to_be_visible()
    expect(page.get_by_label("Field for expected_output")).to_be_hidden()
    page.get_by_label("Kind").select_option("llm_judge")
    expect(page.locator("select[name=rule]")).to_be_hidden()
    _check(page, "21-evaluator-new")
    page.get_by_role("button", name="Create evaluator").click()
    expect(page.locator("#run")).to_be_visible()
    page.locator("#run").get_by_role("button", name="Run").click()
    expect(page.locator("#run-status")).to_have_text("succeeded")
    expect(page.locator("#verdicts")).to_contain_text("The answer is supported")
    _check(page, "22-evaluation-run")
    page.locator("#theme-toggle").click()
    _check(page, "23-evaluation-run-dark")
    page.locator("#theme-toggle").click()

    page.locator("nav.tabs").get_by_role("link", name="Evaluations").click()
    expect(page.locator("#runs tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Monitors").click()
    expect(page.locator("#no-monitors")).to_be_visible()
    monitor = page.locator("#monitor-form")
    monitor.get_by_label("Name", exact=True).fill("prod answers")
    monitor.get_by_label("correct").check()
    monitor.get_by_label("Sample (% of matching traces)").fill("25")
    monitor.get_by_label("Environment").fill("production")
    monitor.get_by_role("button", name="Create monitor").click()
    page.get_by_role("button", name="Run a pass now").click()
    expect(page.locator("#pass-result")).to_contain_text("No new matching trace")
    _check(page, "24-monitor")


def test_a_person_annotates_three_items_with_the_keyboard(page: Any, server: ServerProcess) -> None:
    from playwright.sync_api import expect

    ids = [f"annotate-{i}" for i in range(3)]
    for i, trace_id in enumerate(ids):
        _trace(server, trace_id, f"Question number {i}?")
    page.locator("nav.tabs").get_by_role("link", name="Annotations").click()
    expect(page.locator("#no-queues")).to_be_visible()
    new = page.locator("#new-queue")
    new.get_by_label("Queue name").fill("answer quality")
    new.get_by_label("Score name").fill("quality")
    new.get_by_label("Min").fill("1")
    new.get_by_label("Max").fill("5")
    new.get_by_role("button", name="Create queue").click()
    page.get_by_label("Trace ids").fill(" ".join(ids))
    page.get_by_role("button", name="Add to queue").click()
    expect(page.locator("#items tbody tr")).to_have_count(3)
    _check(page, "25-annotation-queue")
    page.get_by_role("link", name="Start annotating").click()

    expect(page.locator("#subject")).to_contain_text("Question number 0?")
    _check(page, "26-annotate")
    page.keyboard.press("4")
    page.keyboard.press("Enter")
    expect(page.locator("#subject")).to_contain_text("Question number 1?")
    expect(page.locator("#progress-text")).to_have_text("1 of 3 done")
    page.keyboard.press("k")  # back to the first: it shows it is done
    expect(page.locator("#item-done")).to_contain_text(ADMIN_EMAIL)
    page.keyboard.press("j")
    expect(page.locator("#subject")).to_contain_text("Question number 1?")
    page.keyboard.press("s")  # skip the second for now
    expect(page.locator("#subject")).to_contain_text("Question number 2?")
    page.keyboard.press("5")
    page.keyboard.press("c")
    page.keyboard.type("clear and right")
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    expect(page.locator("#subject")).to_contain_text("Question number 1?")  # the skipped one
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    expect(page.locator("#all-done")).to_be_visible()
    _check(page, "27-annotation-queue-done")
    scores = httpx.get(f"{server.url}/api/v1/scores?source=annotation", headers=AUTH).json()
    given = {s["trace_id"]: (s["value"], s["comment"]) for s in scores["data"]}
    assert given == {
        ids[0]: (4, None),
        ids[1]: (2, None),
        ids[2]: (5, "clear and right"),
    }
