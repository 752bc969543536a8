"""End to end in Chromium: the Versions tab lists two commits, compares them (a significant
regression, a link to the trace diff), and the CI runs pages show a checked run with its gates
and regressed items; each page at 1280 and 390 px, no console error, nothing wider than the
window."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from tests.server import ServerProcess
from tests.ui import test_browser
from tests.ui.test_browser_product import AUTH, _check, _log_in, _nav

pytestmark = pytest.mark.slow
server = test_browser.server
browser_page = test_browser.browser_page


def _seed(url: str) -> tuple[str, str, str]:
    tag = uuid.uuid4().hex[:6]
    sha_a, sha_b = f"{tag}a" + "1" * 33, f"{tag}b" + "2" * 33
    traces, scores = [], []
    for sha, prefix, base in ((sha_a, "a", 100), (sha_b, "b", 900)):
        for i in range(12):
            trace_id = f"{tag}-{prefix}-{i}"
            traces.append({"id": trace_id, "name": "agent", "timestamp": "2026-11-01T10:00:00Z",
                           "endTime": f"2026-11-01T10:00:00.{base + i * 3:03d}Z",
                           "metadata": {"vcs.ref.head.revision": sha}})  # fmt: skip
            value = 0.9 if prefix == "a" else 0.4
            scores.append({"trace_id": trace_id, "name": "quality", "value": value})
    assert httpx.post(f"{url}/api/v1/traces/batch", json=traces, headers=AUTH).status_code == 201
    for body in scores:
        httpx.post(f"{url}/api/v1/scores", json=body, headers=AUTH)
    run = httpx.post(f"{url}/api/v1/ci-runs", headers=AUTH, json={
        "provider": "github", "pipeline": f"evals-{tag}", "branch": "feature",
        "trace_ids": [t["id"] for t in traces[12:]]}).json()["id"]  # fmt: skip
    gates = [{"metric": "score:quality", "op": ">=", "value": 0.8},
             {"metric": "latency_p95", "op": "<=", "value": 2000}]  # fmt: skip
    httpx.post(f"{url}/api/v1/ci-runs/{run}/check", json={"gates": gates}, headers=AUTH)
    return sha_a, sha_b, run


def test_versions_and_ci_runs(browser_page: Any, server: ServerProcess) -> None:
    from playwright.sync_api import expect

    sha_a, sha_b, run = _seed(server.url)
    page, errors = browser_page, []
    _log_in(page, errors)
    _nav(page, "Versions")
    expect(page.locator("h1")).to_contain_text("Versions")
    _check(page, "versions", errors)
    page.get_by_label("Baseline").select_option(f"commit:{sha_a}")
    page.get_by_label("Compared").select_option(f"commit:{sha_b}")
    page.get_by_role("button", name="Compare").click()
    comparison = page.locator("#comparison")
    expect(comparison).to_contain_text("score:quality")
    expect(comparison.locator("tr.worse.significant").first).to_be_visible()
    _check(page, "versions-compare", errors)
    comparison.locator("a[href*='/diff/']").first.click()
    page.wait_for_url("**/diff/**")
    page.go_back()
    page.get_by_role("link", name="CI runs").click()
    page.locator(f"a[href$='/ci-runs/{run}']").click()
    expect(page.locator("#gates")).to_contain_text("score:quality >= 0.8")
    expect(page.locator("#gates")).to_contain_text("failed")
    page.locator("#theme-toggle").click()
    _check(page, "ci-run-dark", errors)
    page.locator("#theme-toggle").click()
