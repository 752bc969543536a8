"""Evaluators, evaluations and monitors in the web UI over the real app (SQLite and PostgreSQL),
judges answered by the local OpenAI-compatible server: forms, previews, runs and verdicts."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from tests import fake_openai
from tests.conftest import Harness, make_settings, start
from tests.ui.conftest import csrf_of, log_in

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def llm_url() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


@pytest.fixture
async def ui(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    """The app with a fast evaluation worker, and a logged-in browser-like client."""
    # The tests' writes overlap the worker's scores: slow commits (chDB on a loaded machine)
    # must not turn them into 503s (write shedding has its own tests).
    settings = make_settings(
        db_kind, tmp_path, request, evaluation_interval_seconds=0.1, write_wait_budget_seconds=60
    )
    async for harness in start(settings):
        assert (await log_in(harness.client)).status_code == 303
        yield harness


async def _base(ui: Harness) -> str:
    location = (await ui.client.get("/ui/")).headers["location"]
    match = re.match(r"(/ui/p/[^/]+)/traces", location)
    assert match
    return match.group(1)


async def _trace(ui: Harness, trace_id: str, **fields: object) -> None:
    body = {
        "id": trace_id,
        "name": "qa",
        "input": "What is the capital of France?",
        "output": "Paris",
        "metadata": {"expected": "Paris, the capital"},
        **fields,
    }
    response = await ui.client.post("/api/v1/traces", json=body, headers=ui.auth)
    assert response.status_code == 201, response.text


async def _post(ui: Harness, url: str, form_page: str, **fields: str) -> httpx.Response:
    token = csrf_of((await ui.client.get(form_page)).text)
    return await ui.client.post(url, data={"csrf_token": token, **fields})


async def _wait_done(ui: Harness, run_url: str) -> str:
    for _ in range(200):
        html = (await ui.client.get(run_url)).text
        if 'http-equiv="refresh"' not in html:
            return html
        await asyncio.sleep(0.05)
    raise AssertionError("the run did not finish")


async def test_a_judge_from_a_template_is_previewed_on_a_trace_then_run(
    ui: Harness, llm_url: str
) -> None:
    base = await _base(ui)
    empty = await ui.client.get(f"{base}/evaluators")
    assert "No evaluators yet" in empty.text and "correctness" in empty.text
    added = await _post(
        ui,
        f"{base}/evaluators/providers",
        f"{base}/evaluators",
        name="local",
        kind="openai",
        base_url=llm_url,
        api_key="sk-local-judge-key-0001",
        default_model="gpt-4o-mini",
    )
    assert added.status_code == 303
    listed = await ui.client.get(f"{base}/evaluators")
    assert "local" in listed.text and "sk-local-judge-key-0001" not in listed.text
    await _trace(ui, "t-judge")

    new = await ui.client.get(f"{base}/evaluators/new?template=correctness")
    assert new.status_code == 200
    assert 'name="var.expected_output" value="expected_output"' in new.text
    assert "What is the capital of France?" in new.text  # the preview on the newest trace
    assert "missing" in new.text  # expected_output is not a field of a plain trace

    fields = {
        "name": "correct",
        "kind": "llm_judge",
        "template": "correctness",
        "provider": "local",
        "var.input": "input",
        "var.output": "output",
        "var.expected_output": "metadata.expected",
    }
    preview = await _post(
        ui, f"{base}/evaluators/new", f"{base}/evaluators/new", action="preview", **fields
    )
    assert preview.status_code == 200
    assert "Paris, the capital" in preview.text
    assert (await ui.client.get("/api/v1/evaluators", headers=ui.auth)).json()["data"] == []

    saved = await _post(
        ui, f"{base}/evaluators/new", f"{base}/evaluators/new", action="save", **fields
    )
    assert saved.status_code == 303
    page_url = saved.headers["location"]
    stored = (await ui.client.get("/api/v1/evaluators/correct", headers=ui.auth)).json()
    assert stored["config"]["variable_mapping"]["expected_output"] == "metadata.expected"

    ran = await _post(ui, f"{page_url}/run", page_url, target_type="trace", target_id="t-judge")
    assert ran.status_code == 303
    run = await ui.client.get(ran.headers["location"])
    assert "succeeded" in run.text and "The answer is supported" in run.text
    assert 'href="/ui/p/' in run.text and "t-judge" in run.text
    scores = (await ui.client.get("/api/v1/scores?trace_id=t-judge", headers=ui.auth)).json()
    assert [s["source"] for s in scores["data"]] == ["eval"]


async def test_code_rules_bad_forms_and_edits(ui: Harness) -> None:
    base = await _base(ui)
    await _trace(ui, "t-rule")
    form = f"{base}/evaluators/new?kind=code"
    bad = await _post(
        ui, f"{base}/evaluators/new", form, action="save", name="re", kind="code", rule="regex"
    )
    assert bad.status_code == 422
    assert "the regex rule needs `pattern`" in bad.text
    made = await _post(
        ui,
        f"{base}/evaluators/new",
        form,
        action="save",
        name="says-paris",
        kind="code",
        rule="contains",
        value="paris",
        case_sensitive="on",
    )
    url = made.headers["location"]
    ran = await _post(ui, f"{url}/run", url, target_type="trace", target_id="t-rule")
    run = await ui.client.get(ran.headers["location"])
    assert "&#39;paris&#39; not found" in run.text  # case sensitive
    changed = await _post(  # the box unticked: any case
        ui, url, url, action="save", kind="code", rule="contains", value="paris", field="output"
    )
    assert changed.status_code == 303
    ran = await _post(ui, f"{url}/run", url, target_type="trace", target_id="t-rule")
    run = await ui.client.get(ran.headers["location"])
    assert "&#39;paris&#39; found" in run.text
    history = (await ui.client.get(url)).text.split('id="evaluator-runs"', 1)[1]
    assert '<span class="count">2</span>' in history and history.count("succeeded") == 2
    taken = await _post(
        ui, f"{base}/evaluators/new", form, action="save", name="says-paris", kind="code",
        rule="json_valid", description="kept",
    )  # fmt: skip
    assert taken.status_code == 422 and "named &#39;says-paris&#39; exists" in taken.text
    assert 'value="kept"' in taken.text
    missing = await _post(ui, f"{url}/run", url, target_type="trace", target_id="nope")
    assert missing.status_code == 404
    assert "No trace" in missing.text
    no_token = await ui.client.post(f"{url}/delete", data={})
    assert no_token.status_code == 403
    gone = await _post(ui, f"{url}/delete", url)
    assert gone.status_code == 303
    assert (await ui.client.get(url)).status_code == 404


async def _rule(ui: Harness, base: str, name: str = "has-output") -> str:
    made = await _post(
        ui,
        f"{base}/evaluators/new",
        f"{base}/evaluators/new?kind=code",
        action="save",
        name=name,
        kind="code",
        rule="length",
        min="1",
    )
    return str(made.headers["location"].rsplit("/", 1)[1])


async def test_an_evaluation_runs_on_traces_and_keeps_its_history(ui: Harness) -> None:
    base = await _base(ui)
    empty = await ui.client.get(f"{base}/evaluations")
    assert "Create an" in empty.text and "No runs" in empty.text
    evaluator_id = await _rule(ui, base)
    for i in range(2):
        await _trace(ui, f"t-ev-{i}")
    made = await _post(
        ui,
        f"{base}/evaluations",
        f"{base}/evaluations",
        name="smoke",
        **{f"criterion.{evaluator_id}": "on"},
    )
    url = made.headers["location"]
    queued = await _post(ui, f"{url}/run", url, target_type="trace", target_ids="t-ev-0, t-ev-1")
    html = await _wait_done(ui, queued.headers["location"])
    assert "succeeded" in html and html.count('class="chip verdict"') == 2
    history = await ui.client.get(url)
    assert "has-output" in history.text and "succeeded" in history.text
    runs = await ui.client.get(f"{base}/evaluations?status=failed")
    assert "No runs with status failed" in runs.text


@pytest.mark.clickhouse
async def test_a_monitor_samples_new_traces_and_shows_what_it_decided(ui: Harness) -> None:
    base = await _base(ui)
    assert "No monitors yet" in (await ui.client.get(f"{base}/evaluations/monitors")).text
    evaluator_id = await _rule(ui, base)
    made = await _post(
        ui,
        f"{base}/evaluations/monitors",
        f"{base}/evaluations/monitors",
        name="prod-qa",
        sampling_percent="100",
        delay_seconds="600",  # the worker's own passes wait; a pass on demand does not
        enabled="on",
        **{f"evaluator.{evaluator_id}": "on", "f.environment": "prod"},
    )
    url = made.headers["location"]
    await _trace(ui, "t-mon-prod", environment="prod")
    await _trace(ui, "t-mon-dev", environment="dev")
    passed = await _post(ui, f"{url}/trigger", url)
    shown = await ui.client.get(passed.headers["location"])
    assert "looked at 1 new matching trace(s) and sampled 1" in shown.text
    for _ in range(200):
        shown = await ui.client.get(url)
        if "succeeded" in shown.text:
            break
        await asyncio.sleep(0.05)
    assert "succeeded" in shown.text and "has-output" in shown.text
    paused = await _post(
        ui,
        url,
        url,
        sampling_percent="50",
        delay_seconds="10",
        **{f"evaluator.{evaluator_id}": "on"},
    )
    assert paused.status_code == 303
    stored = (
        await ui.client.get(
            f"/api/v1/evaluations/monitors/{url.rsplit('/', 1)[1]}", headers=ui.auth
        )
    ).json()
    assert stored["enabled"] is False and stored["sampling_rate"] == 0.5
    assert stored["filter"] == {}
    listed = await ui.client.get(f"{base}/evaluations/monitors")
    assert "paused" in listed.text and "50%" in listed.text


@pytest.mark.clickhouse
async def test_a_trace_is_evaluated_or_queued_from_its_own_page(ui: Harness) -> None:
    base = await _base(ui)
    await _trace(ui, "t-page", session_id="s-page")
    trace_page = await ui.client.get(f"{base}/traces/t-page")
    link = f"{base}/evaluations/targets/trace/t-page"
    assert f'href="{link}"' in trace_page.text
    empty = await ui.client.get(link)
    assert "No evaluator yet" in empty.text and "No queue yet" in empty.text
    await _rule(ui, base)
    body = {"name": "review", "score_config": {"name": "ok", "data_type": "BOOLEAN"}}
    made = await ui.client.post("/api/v1/annotation-queues", json=body, headers=ui.auth)
    assert made.status_code == 201
    page = await ui.client.get(link)
    assert "has-output" in page.text and 'aria-label="Add to review"' in page.text
    added = await _post(
        ui, f"{base}/annotations/{made.json()['id']}/items", link, trace_ids="t-page"
    )
    assert "t-page" in (await ui.client.get(added.headers["location"])).text
    session = await ui.client.get(f"{base}/evaluations/targets/session/s-page")
    assert "has-output" in session.text and "annotation queue" not in session.text
    evaluator = re.search(r'action="([^"]+/run)"', session.text)
    assert evaluator
    ran = await _post(ui, evaluator.group(1), f"{base}/evaluations/targets/session/s-page",
                      target_type="session", target_id="s-page")  # fmt: skip
    assert "succeeded" in (await ui.client.get(ran.headers["location"])).text
    assert (await ui.client.get(f"{base}/evaluations/targets/dataset/x")).status_code == 404
