"""Every page of the web UI in Chromium, at 1280 and 390 px: listed from the UI's own routes
(a new page without an example here fails the test), seeded through the API, shot to
test-output/screenshots/every-page/, failing on any console error or a page wider than the
window. And two flows of the trace list: save a view and open it again; add a score on an
observation node of the trace tree through a score config.

One module, so it runs on one xdist worker with one server and one browser.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, SECRET_KEY
from tests.forks.conftest import agent_trace
from tests.server import ServerProcess
from tests.ui import test_browser
from tests.ui.test_browser import SHOTS
from tests.ui.test_browser_product import WIDE

from tracehouse.ui import site

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {SECRET_KEY}"}
server = test_browser.server  # the same fixtures: one server and browser for the module
browser_page = test_browser.browser_page
EVERY = SHOTS / "every-page"
#: GET routes that are not pages a person reads, with the reason.
NOT_PAGES = {
    "/ui/p/{project_id}/media/{media_id}": "a media file, not a page",
    "/ui/p/{project_id}/views/{ref}": "redirects to the trace list (checked by the flow below)",
    "/ui/p/{project_id}/traces/{a:path}/compare": "redirects to the diff page (visited)",
    "/ui/login": "only shown logged out (test_browser.py shoots it)",
    "/ui/": "redirects to the project's trace list",
    "/ui/p/{project_id}/forks/{fork_id}/diff": "needs a replay, which no public route records "
    "(tests/forks/test_fork_pages.py renders it)",
}


def _post(base: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{base}/api/v1{path}", json=body, headers=AUTH, timeout=15)
    assert response.is_success, f"{path}: {response.text}"
    return dict(response.json()) if response.content else {}


@pytest.fixture(scope="module")
def ids(server: ServerProcess) -> dict[str, str]:
    return _seed(server.url)


def _seed(base: str) -> dict[str, str]:
    """One of everything a page shows; returns the ids the example URLs need."""
    for trace_id in ("run-a", "run-b"):
        trace = agent_trace(trace_id, "It is in Berlin." if trace_id == "run-a" else "Paris.")
        if trace_id == "run-b":
            for o in trace["observations"]:
                o["id"] = f"b-{o['id']}"
                o["parentId"] = o["parentId"] and f"b-{o['parentId']}"
        trace.update(userId="ada", sessionId="chat-1", metadata={"plan": "pro"})
        _post(base, "/traces", trace)
    _post(base, "/scores", {"traceId": "run-a", "name": "correct", "value": True})
    _post(base, "/prompts", {"name": "greet", "prompt": "Hello {{name}}."})
    skill = _post(base, "/skills", {"name": "refunds", "body": "# Refunds\nBe kind.\n"})
    _post(base, "/datasets", {"name": "qa"})
    _post(base, "/datasets/qa/items", {"id": "i1", "input": "where?", "expectedOutput": "Berlin"})
    run = _post(base, "/datasets/qa/runs", {"name": "exp1"})
    _post(base, "/datasets/qa/runs", {"name": "exp2"})
    for name, trace_id in (("exp1", "run-a"), ("exp2", "run-b")):
        _post(base, f"/datasets/qa/runs/{name}/items", {"datasetItemId": "i1", "traceId": trace_id})
    rule = {"kind": "code", "rule": "regex", "pattern": "Berlin", "field": "output"}
    evaluator = _post(base, "/evaluators", {"name": "berlin", "config": rule})
    evaluation = _post(base, "/evaluations", {"name": "gate", "criteria": ["berlin"]})
    body = {"datasetRunIds": [run["id"]], "evaluatorIds": ["berlin"]}
    eval_run = _post(base, "/evaluations/dataset-runs", body)
    monitor = {"name": "watch", "evaluatorIds": ["berlin"], "delaySeconds": 0}
    watch = _post(base, "/evaluations/monitors", monitor)
    config = {"name": "tone", "dataType": "CATEGORICAL", "categories": ["calm", "rude"]}
    queue = _post(base, "/annotation-queues", {"name": "review", "scoreConfig": config})
    item = _post(base, f"/annotation-queues/{queue['id']}/items", {"traceId": "run-a"})
    tape = _post(base, "/tapes", {"traceId": "run-a"})
    fork = _post(base, "/forks", {"traceId": "run-a", "spanId": "answer"})
    first = _post(base, "/checkpoints", {"traceId": "run-a", "label": "before"})
    second = _post(base, "/checkpoints", {"traceId": "run-a", "label": "after"})
    return {
        "skill": skill["id"], "evaluator": evaluator["id"], "evaluation": evaluation["id"],
        "eval_run": eval_run["id"], "monitor": watch["id"], "queue": queue["id"],
        "item": item["id"], "tape": tape["slug"], "fork": fork["id"],
        "checkpoint": first["id"], "checkpoint2": second["id"],
    }  # fmt: skip


def _examples(p: str, ids: dict[str, str]) -> dict[str, str]:
    """Route path -> the URL of one example of that page (p: the project's base URL)."""
    return {
        "/ui/p/{project_id}/traces": f"{p}/traces",
        "/ui/p/{project_id}/traces/{trace_id:path}": f"{p}/traces/run-a",
        "/ui/p/{project_id}/traces/{trace_id:path}/observations/{observation_id:path}":
            f"{p}/traces/run-a/observations/answer",
        "/ui/p/{project_id}/traces/{a:path}/diff/{b:path}": f"{p}/traces/run-a/diff/run-b",
        "/ui/p/{project_id}/forks": f"{p}/forks",
        "/ui/p/{project_id}/forks/{fork_id}": f"{p}/forks/{ids['fork']}",
        "/ui/p/{project_id}/inbox": f"{p}/inbox",
        "/ui/p/{project_id}/sessions": f"{p}/sessions",
        "/ui/p/{project_id}/sessions/{session_id:path}": f"{p}/sessions/chat-1",
        "/ui/p/{project_id}/observations": f"{p}/observations",
        "/ui/p/{project_id}/users": f"{p}/users",
        "/ui/p/{project_id}/users/{user_id:path}": f"{p}/users/ada",
        "/ui/p/{project_id}/prompts": f"{p}/prompts",
        "/ui/p/{project_id}/prompts/{name:path}": f"{p}/prompts/greet",
        "/ui/p/{project_id}/skills": f"{p}/skills",
        "/ui/p/{project_id}/skills/{skill_id}": f"{p}/skills/{ids['skill']}",
        "/ui/p/{project_id}/experiments": f"{p}/experiments",
        "/ui/p/{project_id}/datasets": f"{p}/datasets",
        "/ui/p/{project_id}/datasets/{name:path}": f"{p}/datasets/qa",
        "/ui/p/{project_id}/datasets/{name:path}/items/{item_id:path}": f"{p}/datasets/qa/items/i1",
        "/ui/p/{project_id}/datasets/{name:path}/runs": f"{p}/datasets/qa/runs?run=exp1",
        "/ui/p/{project_id}/datasets/{name:path}/runs/compare":
            f"{p}/datasets/qa/runs/compare?run=exp1&run=exp2",
        "/ui/p/{project_id}/evaluators": f"{p}/evaluators",
        "/ui/p/{project_id}/evaluators/new": f"{p}/evaluators/new",
        "/ui/p/{project_id}/evaluators/{ref}": f"{p}/evaluators/{ids['evaluator']}",
        "/ui/p/{project_id}/evaluations": f"{p}/evaluations",
        "/ui/p/{project_id}/evaluations/{ref}": f"{p}/evaluations/{ids['evaluation']}",
        "/ui/p/{project_id}/evaluations/runs/{run_id}": f"{p}/evaluations/runs/{ids['eval_run']}",
        "/ui/p/{project_id}/evaluations/targets/{kind}/{target_id:path}":
            f"{p}/evaluations/targets/trace/run-a",
        "/ui/p/{project_id}/evaluations/monitors": f"{p}/evaluations/monitors",
        "/ui/p/{project_id}/evaluations/monitors/{ref}":
            f"{p}/evaluations/monitors/{ids['monitor']}",
        "/ui/p/{project_id}/annotations": f"{p}/annotations",
        "/ui/p/{project_id}/annotations/{ref}": f"{p}/annotations/{ids['queue']}",
        "/ui/p/{project_id}/annotations/{ref}/items/{item_id}":
            f"{p}/annotations/{ids['queue']}/items/{ids['item']}",
        "/ui/p/{project_id}/dashboard": f"{p}/dashboard?range=30d",
        "/ui/p/{project_id}/settings": f"{p}/settings",
        "/ui/p/{project_id}/settings/audit": f"{p}/settings/audit",
        "/ui/p/{project_id}/tapes": f"{p}/tapes",
        "/ui/p/{project_id}/tapes/new": f"{p}/tapes/new?trace_id=run-a",
        "/t/{slug}": f"/t/{ids['tape']}",
        "/embed/{slug}": f"/embed/{ids['tape']}",
        "/explore": "/explore",
        "/ui/p/{project_id}/checkpoints/{checkpoint_id}": f"{p}/checkpoints/{ids['checkpoint']}",
        "/ui/p/{project_id}/checkpoints/{first}/diff/{second}":
            f"{p}/checkpoints/{ids['checkpoint']}/diff/{ids['checkpoint2']}",
    }  # fmt: skip


def _page_routes() -> set[str]:
    """Every GET route of the UI."""
    return {
        route.path
        for router in site.ROUTERS
        for route in router.routes
        if "GET" in (getattr(route, "methods", None) or set())
    }


def _log_in(page: Any, errors: list[str]) -> str:
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto("/ui/")
    if page.get_by_role("button", name="Log in").count():
        page.get_by_label("E-mail").fill(ADMIN_EMAIL)
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/traces")
    return "/" + "/".join(page.url.split("/")[3:6])  # /ui/p/<project id>


def _visit(page: Any, url: str, name: str) -> list[str]:
    """Load the page at both widths; the problems found (overflow), screenshots taken."""
    problems = []
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(url)
        assert response is not None and response.status == 200, (
            f"{url}: {response and response.status}"
        )
        page.wait_for_load_state("load")
        over = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        if over > 0:
            problems.append(f"{name} at {width}px: {over}px too wide: {page.evaluate(WIDE)}")
        page.screenshot(path=str(EVERY / f"{name}-{width}.png"), full_page=width == 1280)
    return problems


def _name(route: str) -> str:
    parts = [p for p in route.split("/") if p and p not in ("ui", "p", "{project_id}")]
    words = [re.sub(r"[{}]|:path", "", p) for p in parts]
    return "-".join(words) or "home"


def test_every_page_at_1280_and_390(browser_page: Any, ids: dict[str, str]) -> None:
    routes = _page_routes()
    page, errors = browser_page, []
    base = _log_in(page, errors)
    examples = _examples(base, ids)
    missing = routes - examples.keys() - NOT_PAGES.keys()
    assert not missing, f"pages without an example URL in this test: {sorted(missing)}"
    EVERY.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for route in sorted(routes & examples.keys()):
        problems += _visit(page, examples[route], _name(route))
        problems += [f"{route}: {e}" for e in errors]
        errors.clear()
    page.set_viewport_size({"width": 1360, "height": 860})
    assert not problems, "\n".join(problems)


def test_save_a_view_and_open_it_again(
    browser_page: Any, server: ServerProcess, ids: dict[str, str]
) -> None:
    from playwright.sync_api import expect

    page, errors = browser_page, []
    base = _log_in(page, errors)
    page.goto(f"{base}/traces")
    page.locator("#more-filters summary").click()
    page.get_by_label("Metadata key").fill("plan")
    page.get_by_label("Metadata value").fill("pro")
    page.locator("#columns summary").click()
    assert page.locator("#more-filters").get_attribute("open") is None  # one popover at a time
    columns = page.locator("#columns")
    columns.get_by_role("checkbox", name="Input", exact=True).check()
    columns.get_by_role("button", name="Move Input up").click()
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"metadata=plan%3Apro"))
    assert "meta_key" not in page.url and "q=" not in page.url  # only what is set
    headers = page.locator("#trace-table thead th")
    expect(headers.nth(9)).to_have_text("Input")  # shown, and moved above Tags
    expect(headers.nth(10)).to_have_text("Tags")
    page.locator("#saved-views summary").click()
    page.get_by_label("View name").fill("pro plan")
    page.get_by_role("button", name="Save view").click()
    expect(page.locator("#saved-views summary")).to_contain_text("pro plan")
    page.get_by_role("link", name="Clear").click()
    expect(page.locator("#saved-views summary")).not_to_contain_text("pro plan")
    page.locator("#saved-views summary").click()
    page.locator("body").click(position={"x": 5, "y": 400})  # outside: the popover closes
    assert page.locator("#saved-views").get_attribute("open") is None
    page.locator("#saved-views summary").click()
    page.get_by_role("link", name="pro plan").click()
    expect(page.locator("#saved-views summary")).to_contain_text("pro plan")
    expect(headers.nth(9)).to_have_text("Input")
    expect(page.locator(".chip.removable")).to_contain_text(["metadata: plan:pro"])
    views = httpx.get(f"{server.url}/api/v1/saved-views", headers=AUTH).json()["data"]
    assert [v["name"] for v in views] == ["pro plan"]
    assert errors == [], errors


def test_add_a_score_on_an_observation_node(
    browser_page: Any, server: ServerProcess, ids: dict[str, str]
) -> None:
    from playwright.sync_api import expect

    page, errors = browser_page, []
    base = _log_in(page, errors)
    page.goto(f"{base}/traces/run-a")
    node = page.locator('.node[data-id="plan"]')
    expect(node.locator(".node-meta")).to_contain_text("gpt-4o")
    expect(node.locator(".node-meta")).to_contain_text("110 tok")
    node.click()
    form = page.locator('#score-form-obs form[data-score="tone"]')  # the step's, not the trace's
    form.get_by_label("tone").select_option("rude")
    form.get_by_role("button", name="Add").click()
    expect(page.locator("#node-scores")).to_contain_text("rude")  # back on the same node
    scores = httpx.get(
        f"{server.url}/api/v1/scores", params={"trace_id": "run-a", "name": "tone"}, headers=AUTH
    ).json()["data"]
    assert [(s["value"], s["observation_id"]) for s in scores] == [("rude", "plan")]
    assert errors == [], errors
