"""The trace page shows its checkpoints (markers and a list linking to each one and to the
diff with the previous), its commit and CI run; the checkpoint and diff pages render."""

from __future__ import annotations

import re

import pytest
from tests.checkpoints.conftest import save, send_trace
from tests.conftest import Harness
from tests.forks.conftest import agent_trace, send
from tests.ui.conftest import csrf_of, log_in

pytestmark = pytest.mark.anyio


async def test_trace_page_links_checkpoints_commit_and_ci_run(th: Harness) -> None:
    await send_trace(th)
    first = (await save(th, name="plan", state={"todo": ["read"]})).json()
    files = [{"path": "agent.py", "content": "x = 2\n"}]
    second = (await save(th, name="edit", state={"todo": ["read", "edit"]}, files=files)).json()
    sha = "0123456789abcdef0123456789abcdef01234567"
    body = {"repositoryUrl": "https://git.example/acme/agent", "commitSha": sha,
            "branch": "main", "dirty": True, "traceIds": ["run-1"]}  # fmt: skip
    assert (await th.client.post("/api/v1/git-links", json=body, headers=th.auth)).is_success
    run = {"provider": "github", "pipeline": "evals", "status": "failed", "traceIds": ["run-1"]}
    assert (await th.client.post("/api/v1/ci-runs", json=run, headers=th.auth)).is_success
    await log_in(th.client)
    home = await th.client.get("/ui/")
    project_id = re.match(r"/ui/p/([^/]+)/", home.headers["location"]).group(1)  # type: ignore[union-attr]
    page = await th.client.get(f"/ui/p/{project_id}/traces/run-1")
    assert page.status_code == 200, page.text
    diff_link = f"/ui/p/{project_id}/checkpoints/{first['id']}/diff/{second['id']}"
    assert diff_link in page.text and f"/checkpoints/{second['id']}" in page.text
    assert "0123456789" in page.text and "dirty" in page.text and "evals" in page.text
    one = await th.client.get(f"/ui/p/{project_id}/checkpoints/{second['id']}")
    assert one.status_code == 200 and "agent.py" in one.text and "x = 2" in one.text
    diff = await th.client.get(diff_link)
    assert diff.status_code == 200, diff.text
    assert "/todo/1" in diff.text and "+x = 2" in diff.text
    filtered = await th.client.get(f"/ui/p/{project_id}/traces", params={"branch": "main"})
    assert "run-1" in filtered.text
    other = await th.client.get(f"/ui/p/{project_id}/traces", params={"branch": "nope"})
    assert "run-1" not in other.text


async def test_fork_from_this_checkpoint_makes_a_fork_at_its_observation(th: Harness) -> None:
    await send(th, agent_trace("run-a"))
    saved = await th.client.post(
        "/api/v1/checkpoints",
        json={"trace_id": "run-a", "observation_id": "answer", "name": "before-answer"},
        headers=th.auth,
    )
    assert saved.status_code == 201, saved.text
    await log_in(th.client)
    projects = (await th.client.get("/api/v1/projects", headers=await th.admin_token())).json()
    pid = projects["data"][0]["id"]
    page = await th.client.get(f"/ui/p/{pid}/checkpoints/{saved.json()['id']}")
    assert "Fork from this checkpoint" in page.text
    fields = {"csrf_token": csrf_of(page.text), "trace_id": "run-a", "span_id": "answer",
              "name": "from checkpoint before-answer"}  # fmt: skip
    created = await th.client.post(f"/ui/p/{pid}/forks", data=fields)
    assert created.status_code == 303
    forks = (await th.client.get("/api/v1/forks", headers=th.auth)).json()["data"]
    assert [(f["trace_id"], f["span_id"], f["name"]) for f in forks] == [
        ("run-a", "answer", "from checkpoint before-answer")
    ]
