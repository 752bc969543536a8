"""The OpenTelemetry VCS and CI/CD attributes, sent by the real OpenTelemetry SDK and OTLP
exporter to a real server: on the resource and on the root span, current and older names, they
land in the trace's metadata under the names the SDK's git capture uses, and the trace is then
found by commit and branch, counted in its version, and owned by the CI run it names."""

from __future__ import annotations

from typing import Any

import httpx
from tests.conftest import LiveServer
from tests.otlp.clients import provider_for, trace_id_hex, wait_for_trace

SHA = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"
REPO = "https://github.com/acme/agent"
RESOURCE: dict[str, Any] = {
    "vcs.repository.url.full": "https://bot:s3cret@github.com/acme/agent",
    "vcs.repository.name": "agent",
    "vcs.repository.ref.revision": SHA,  # the older name of vcs.ref.head.revision
    "vcs.ref.head.name": "main",
    "vcs.ref.head.type": "branch",
    "vcs.owner.name": "acme",
    "vcs.provider.name": "github",
    "cicd.pipeline.name": "Build and Test",
    "cicd.pipeline.run.id": 120912,  # ids sent as numbers become text
    "cicd.pipeline.run.url.full": "https://github.com/acme/agent/actions/runs/120912",
    "cicd.pipeline.task.name": "evals",
    "cicd.pipeline.task.run.id": "33",
}


def _send(server: LiveServer, resource: dict[str, Any], **span: Any) -> dict[str, Any]:
    provider = provider_for(server, resource=resource)
    with provider.get_tracer("tests.vcs").start_as_current_span("agent-run") as root:
        for key, value in span.items():
            root.set_attribute(key, value)
    provider.shutdown()
    return wait_for_trace(server, trace_id_hex(root), 1)


def test_vcs_and_cicd_attributes_become_trace_metadata(live_server: LiveServer) -> None:
    span = {"vcs.ref.head.name": "feature-x", "vcs.change.id": "42",
            "vcs.change.title": "Retry the tool call"}  # fmt: skip
    trace = _send(live_server, RESOURCE, **span)
    meta = trace["metadata"]
    assert meta["vcs.repository.url.full"] == REPO  # credentials dropped
    assert meta["vcs.ref.head.revision"] == SHA and "vcs.repository.ref.revision" not in meta
    assert meta["vcs.ref.head.name"] == "feature-x"  # the root span's own wins
    assert meta["vcs.change.id"] == "42" and meta["vcs.change.title"] == "Retry the tool call"
    assert (meta["vcs.owner.name"], meta["vcs.provider.name"]) == ("acme", "github")
    assert meta["cicd.pipeline.name"] == "Build and Test"
    assert meta["cicd.pipeline.run.id"] == "120912"
    assert meta["cicd.pipeline.run.url.full"].endswith("/runs/120912")
    assert (meta["cicd.pipeline.task.name"], meta["cicd.pipeline.task.run.id"]) == ("evals", "33")
    found = live_server.get("/api/v1/traces", commit=SHA[:10], branch="feature-x")
    assert [t["id"] for t in found["data"]] == [trace["id"]]
    versions = live_server.get("/api/v1/versions", by="commit")["data"]
    # Other tests on this worker's live server send SDK traces with the checkout's own commit.
    assert [(v["value"], v["traces"]) for v in versions if v["value"] == SHA] == [(SHA, 1)]


def test_a_trace_naming_a_ci_run_is_owned_by_it(live_server: LiveServer) -> None:
    created = httpx.post(
        f"{live_server.url}/api/v1/ci-runs", headers=live_server.auth,
        json={"provider": "github", "pipeline": "Build and Test", "branch": "main",
              "commit_sha": SHA},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    run_id = created.json()["id"]
    trace = _send(live_server, {**RESOURCE, "tracehouse.ci_run_id": run_id})
    assert trace["metadata"]["tracehouse.ci_run_id"] == run_id
    checked = httpx.post(
        f"{live_server.url}/api/v1/ci-runs/{run_id}/check", headers=live_server.auth,
        json={"gates": [{"metric": "error_rate", "op": "<=", "value": 1}]},
    )  # fmt: skip
    assert checked.status_code == 200, checked.text
    owned = live_server.get("/api/v1/traces", ci_run=run_id)
    assert trace["id"] in [t["id"] for t in owned["data"]]
