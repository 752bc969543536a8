"""End to end in Chromium: a person creates a dataset and its items in the browser (by hand, by
importing a file, from a trace), runs two experiments with the Python SDK and compares them.
Each page is shot at 1280 and 390 px wide (test-output/screenshots/); any console error or a
page wider than the window fails the test.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, SECRET_KEY
from tests.server import ServerProcess
from tests.ui.test_browser import SHOTS, browser_page, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {SECRET_KEY}"}
CAPITALS = {"Italy": "Rome", "Spain": "Madrid", "France": "Paris", "Peru": "Lima"}


def _check(page: Any, name: str, errors: list[str]) -> None:
    """Shoot the page at both widths; no console error, nothing wider than the window."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} is {overflow}px wider than a {width}px window"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert errors == [], errors


def _log_in(page: Any) -> None:
    page.goto("/ui/")
    if page.get_by_role("button", name="Log in").count():
        page.get_by_label("E-mail").fill(ADMIN_EMAIL)
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/traces")


def _experiment(process: ServerProcess, run_name: str, wrong: set[str]) -> None:
    """A run of a stand-in app through the SDK: it answers every capital but those in `wrong`."""
    from tracehouse.sdk import Tracehouse

    client = Tracehouse(host=process.url, api_key=SECRET_KEY)

    def app(item: Any) -> str:
        country = item.input["country"]
        time.sleep(0.01 * len(country) * (2 if run_name == "model-b" else 1))  # some latency
        return "London" if country in wrong else CAPITALS[country]

    def exact(*, output: Any, expected_output: Any, **_: Any) -> bool:
        return bool(output == expected_output)

    try:
        client.run_experiment(
            "capitals", app, [exact], run_name=run_name, metadata={"model": run_name},
            progress=False,
        )  # fmt: skip
    finally:
        client.shutdown()


def test_a_person_builds_a_dataset_and_compares_two_runs(
    browser_page: Any,  # noqa: F811 (the fixture imported above)
    server: ServerProcess,  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    _log_in(page)
    page.get_by_role("link", name="Datasets").click()
    expect(page.locator("#no-datasets")).to_be_visible()
    _check(page, "20-datasets-empty", errors)
    page.get_by_label("Dataset name").fill("capitals")
    page.get_by_label("Description").fill("Capital cities")
    page.get_by_role("button", name="Create dataset").click()
    expect(page.locator("#no-items")).to_be_visible()

    # One item by hand, three from a JSON Lines file read by the page.
    page.locator("#add-item textarea[name=input]").fill('{"country": "Italy"}')
    page.locator("#add-item textarea[name=expected_output]").fill("Rome")
    page.get_by_role("button", name="Add item").click()
    expect(page.locator("#history tbody tr")).to_have_count(1)
    page.get_by_role("link", name="capitals").click()
    upload = tmp_path / "more.jsonl"
    upload.write_text(
        "\n".join(
            f'{{"input": {{"country": "{c}"}}, "expected_output": "{a}"}}'
            for c, a in list(CAPITALS.items())[1:]
        )
    )
    page.locator("#import-items summary").click()
    page.locator("#import-items input[type=file]").set_input_files(str(upload))
    expect(page.locator("#import-content")).to_have_value(re.compile("Madrid"))
    page.get_by_role("button", name="Import items").click()
    expect(page.locator("#item-list tbody tr")).to_have_count(4)
    _check(page, "21-dataset", errors)

    # Keyboard: j then Enter opens the first item; edit its expected output.
    page.locator("body").press("j")
    page.locator("body").press("Enter")
    expect(page.locator("#edit-item")).to_be_visible()
    _check(page, "22-dataset-item", errors)

    _experiment(server, "model-a", wrong=set())
    _experiment(server, "model-b", wrong={"Peru"})
    page.get_by_role("link", name="Experiments").click()
    expect(page.locator("#experiment-list tbody tr")).to_have_count(2)
    _check(page, "23-experiments", errors)
    page.get_by_role("link", name="model-b").click()
    expect(page.locator("#run-summary")).to_contain_text("exact")
    expect(page.locator("#run-items tbody tr")).to_have_count(4)
    _check(page, "24-run", errors)

    page.locator("#compare-with").get_by_role("button", name="Compare").click()
    expect(page.locator("#comparison tbody tr.regressed")).to_have_count(1)
    expect(page.locator("#comparison tr.regressed")).to_contain_text("London")
    expect(page.locator("#aggregate")).to_contain_text("\N{MINUS SIGN}0.25")
    expect(page.locator("#regression-count")).to_contain_text("1 of 4 items")
    _check(page, "25-compare", errors)
    page.locator("#theme-toggle").click()
    _check(page, "26-compare-dark", errors)
    page.locator("#theme-toggle").click()

    # The dataset's page lists both runs; comparing the two selected gives the same view.
    page.get_by_role("link", name="Datasets").click()
    expect(page.locator("#dataset-list")).to_contain_text("capitals")
    _check(page, "28-datasets", errors)
    page.get_by_role("link", name="capitals").click()
    expect(page.locator("#run-list tbody tr")).to_have_count(2)
    _check(page, "29-dataset-runs", errors)
    page.get_by_role("button", name="Compare selected runs").click()
    expect(page.locator("#comparison tbody tr.regressed")).to_have_count(1)

    # From a production trace to a test case in one click.
    trace = {"id": "prod-q-1", "name": "ask", "input": {"country": "Chile"}, "output": "Santiago"}
    assert httpx.post(f"{server.url}/api/v1/traces", json=trace, headers=AUTH).is_success
    page.goto(page.url.split("/datasets/")[0] + "/traces/prod-q-1")
    page.locator("#detail").get_by_role("button", name="Add to dataset").click()
    expect(page.locator("#added")).to_be_visible()
    expect(page.locator("#edit-item textarea[name=expected_output]")).to_have_value("Santiago")
    _check(page, "27-item-from-trace", errors)
    items = httpx.get(f"{server.url}/api/v1/datasets/capitals/items", headers=AUTH).json()
    assert items["meta"]["total_count"] == 5
