"""End to end in Debian's Chromium (Playwright, as tests/ui/test_browser.py): open the playground
from a generation on the trace page, run it and watch the text stream in (the local OpenAI
server pausing between chunks), compare two models side by side, and save the messages as a
prompt version. Every page is checked for console errors and horizontal overflow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests import fake_openai
from tests.playground.test_playground_api import MESSAGES
from tests.server import ServerProcess
from tests.ui.test_browser_evals import AUTH, _check, page, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


def _seed(server: ServerProcess, llm_url: str) -> None:  # noqa: F811
    generation = {
        "id": "pg-gen",
        "type": "generation",
        "name": "answer",
        "model": "gpt-4o-mini",
        "provider": "openai",
        "modelParameters": {"temperature": 0.3},
        "input": MESSAGES,
        "output": "Paris.",
    }
    body = {"id": "pg-trace", "name": "qa", "observations": [generation]}
    for url, payload in (
        ("/api/v1/traces", body),
        ("/api/v1/providers", {"name": "local", "apiKey": "sk-local-1", "baseUrl": llm_url}),
    ):
        response = httpx.post(f"{server.url}{url}", json=payload, headers=AUTH, timeout=10)
        assert response.status_code == 201, response.text


def test_open_a_generation_in_the_playground_and_watch_it_stream(
    page: Any,  # noqa: F811
    server: ServerProcess,  # noqa: F811
    llm_url: str,
) -> None:
    from playwright.sync_api import expect

    _seed(server, llm_url)
    project = page.locator("body").get_attribute("data-project")
    page.goto(f"/ui/p/{project}/traces/pg-trace")
    page.locator('.node[data-id="pg-gen"]').click()
    page.locator("#detail").get_by_role("link", name="Open in playground").click()
    expect(page.locator("#pg-source")).to_contain_text("pg-gen")
    expect(page.locator(".pg-content").nth(1)).to_have_value(MESSAGES[1]["content"])
    expect(page.locator("#pg-temperature")).to_have_value("0.3")
    expect(page.locator(".pg-model")).to_have_value("gpt-4o-mini")
    _check(page, "40-playground")

    fake_openai.SCRIPT.reset(("slow", 0.25))
    page.locator(".pg-content").nth(1).fill("And the capital of Italy?")
    page.get_by_role("button", name="Run").click()
    output = page.locator(".pg-result .pg-output")
    expect(output).to_contain_text("Paris")  # the first words, while the rest is on its way
    assert page.locator(".pg-result.done").count() == 0, "the text came all at once"
    expect(output).to_have_text(fake_openai.ANSWER)
    expect(page.locator(".pg-result.done")).to_have_count(1)
    expect(page.locator(".pg-tokens")).to_contain_text(f"{fake_openai.PROMPT_TOKENS} in")
    expect(page.locator(".pg-cost")).to_contain_text("$")
    sent = fake_openai.SCRIPT.requests[-1]
    assert sent["messages"][1]["content"] == "And the capital of Italy?" and sent["stream"]
    _check(page, "41-playground-run")

    page.get_by_role("button", name="+ Model").click()
    page.locator(".pg-model").nth(1).fill("gpt-4o")
    page.get_by_role("button", name="Run").click()
    expect(page.locator(".pg-result.done")).to_have_count(2)
    expect(page.locator(".pg-result .pg-title")).to_have_text(
        ["gpt-4o-mini · local", "gpt-4o · local"]
    )
    page.locator("#theme-toggle").click()
    _check(page, "42-playground-two-models-dark")
    page.locator("#theme-toggle").click()

    trace_link = page.locator(".pg-trace").first
    expect(trace_link).to_have_attribute("href", re.compile("/traces/"))
    traces = httpx.get(
        f"{server.url}/api/v1/traces", params={"tags": "playground"}, headers=AUTH, timeout=10
    ).json()["data"]
    assert len(traces) == 3

    form = page.locator("#pg-save")
    form.get_by_label("Prompt name").fill("capitals")
    form.get_by_label("Commit message").fill("from the playground")
    form.get_by_role("button", name="Save version").click()
    expect(page.locator("h1")).to_contain_text("capitals")
    expect(page.locator("#version")).to_contain_text("And the capital of Italy?")
    _check(page, "43-playground-saved")
