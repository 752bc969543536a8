"""The versions page (commits, branches, releases, the trend, two compared with links to the
trace diff) and the CI runs pages (the list, one run with its gates, regressions and
experiments)."""

from __future__ import annotations

import pytest
from tests.conftest import Harness
from tests.ui.conftest import log_in
from tests.versions.conftest import SHA_A, SHA_B, seed
from tests.versions.test_ci_gates import GATES, _check, _dataset_runs, _run

pytestmark = pytest.mark.anyio


async def _project(th: Harness) -> str:
    await log_in(th.client)
    projects = (await th.client.get("/api/v1/projects", headers=await th.admin_token())).json()
    return str(projects["data"][0]["id"])


@pytest.mark.clickhouse
async def test_versions_page_lists_trends_and_compares(th: Harness) -> None:
    pid = await _project(th)
    empty = await th.client.get(f"/ui/p/{pid}/versions")
    assert empty.status_code == 200 and "No commits yet" in empty.text
    await seed(th)
    listed = await th.client.get(f"/ui/p/{pid}/versions")
    assert listed.status_code == 200
    assert SHA_A[:12] in listed.text and "Retry the tool call" in listed.text
    assert "Trend" in listed.text and f"traces?commit={SHA_B}" in listed.text
    params = {"by": "commit", "a": f"commit:{SHA_A}", "b": f"commit:{SHA_B}"}
    compared = await th.client.get(f"/ui/p/{pid}/versions", params=params)
    assert 'id="comparison"' in compared.text and "score:accuracy" in compared.text
    assert "significant" in compared.text and f"/ui/p/{pid}/traces/a-" in compared.text
    assert "/diff/b-19" in compared.text
    bad = await th.client.get(f"/ui/p/{pid}/versions", params={**params, "a": "commit:zz"})
    assert bad.status_code == 200 and "is not a commit sha" in bad.text
    releases = await th.client.get(f"/ui/p/{pid}/versions", params={"by": "release"})
    assert "v1" in releases.text and "v2" in releases.text


async def test_ci_run_pages_show_gates_regressions_and_experiments(th: Harness) -> None:
    pid = await _project(th)
    assert "No CI runs yet" in (await th.client.get(f"/ui/p/{pid}/ci-runs")).text
    await seed(th)
    await _dataset_runs(th)
    base = await _run(th, "main", [f"a-{k}" for k in range(20)])
    await _check(th, base, GATES)
    run = await _run(th, "feature", [f"b-{k}" for k in range(20)], pull_request="42")
    await _check(th, run, GATES)
    listed = await th.client.get(f"/ui/p/{pid}/ci-runs")
    assert f"/ci-runs/{run}" in listed.text and "2/4 passed" in listed.text
    one = await th.client.get(f"/ui/p/{pid}/ci-runs/{run}")
    assert one.status_code == 200
    assert "score:accuracy &gt;= baseline - 0.05" in one.text and 'id="regressed"' in one.text
    assert "i-1" in one.text and "trace diff" in one.text and "<li>pr</li>" in one.text
    assert f"traces?ci_run={run}" in one.text
    missing = await th.client.get(f"/ui/p/{pid}/ci-runs/nope")
    assert missing.status_code == 404
