"""`tracehouse ci` as a GitHub Actions job runs it, against a real server: `ci start` (the run
id into $GITHUB_ENV), a dataset run with the SDK in a separate process (its traces tagged with
the run), then `ci check` against the baseline: once passing on main, once failing on a pull
request (exit 1, the Markdown summary in $GITHUB_STEP_SUMMARY), and `ci finish`."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from tests.cli.conftest import run_process
from tests.conftest import LiveServer

from tracehouse.cli.ci import markdown, parse_gate

EVAL = """
import sys
from tracehouse import sdk

wrong = set(sys.argv[2].split(",")) if sys.argv[2] else set()

def task(item):
    with sdk.generation("llm", model="gpt-4o-mini", input=item.input) as llm:
        answer = "no" if item.input["n"] in wrong else item.expected_output
        llm.update(output=answer)
    return answer

def accuracy(*, output, expected_output, **_):
    return 1.0 if output == expected_output else 0.0

sdk.run_experiment(sys.argv[1], task, [accuracy], run_name=sys.argv[3], progress=False)
assert sdk.flush()
"""
GATES = ["score:accuracy>=baseline-0.1", "error_rate<=0.2", "latency_p95<=baseline+500%"]


def _env(server: LiveServer, tmp: Path, workflow: str, **github: str) -> dict[str, str]:
    return {
        "TRACEHOUSE_BASE_URL": server.url, "TRACEHOUSE_API_KEY": server.secret_key,
        "GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/agent", "GITHUB_WORKFLOW": workflow, "GITHUB_JOB": "evals",
        "GITHUB_RUN_ID": uuid.uuid4().hex[:8], "GITHUB_ENV": str(tmp / "github_env"),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary.md"), **github,
    }  # fmt: skip


def _job(server: LiveServer, tmp: Path, env: dict[str, str], dataset: str, wrong: str) -> str:
    """One job: start, run the evals, check. Returns the run id; leaves the check's result."""
    tmp.mkdir()
    env = {**env, "GITHUB_ENV": str(tmp / "github_env"), "GITHUB_STEP_SUMMARY": str(tmp / "s.md")}
    started = run_process("ci", "start", env=env)
    assert started.returncode == 0, started.stderr
    run_id = started.stdout.strip()
    assert (tmp / "github_env").read_text() == f"TRACEHOUSE_CI_RUN_ID={run_id}\n"
    step_env = {**env, "TRACEHOUSE_CI_RUN_ID": run_id}
    evals = subprocess.run(
        [sys.executable, "-c", EVAL, dataset, wrong, f"run-{run_id}"],
        env={**_base_env(), **step_env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert evals.returncode == 0, evals.stderr
    return run_id


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("TRACEHOUSE_", "GITHUB_"))}


def _check(env: dict[str, str], tmp: Path, run_id: str) -> subprocess.CompletedProcess[str]:
    args = [a for gate in GATES for a in ("--gate", gate)]
    env = {**env, "TRACEHOUSE_CI_RUN_ID": run_id, "GITHUB_STEP_SUMMARY": str(tmp / "s.md")}
    return run_process("ci", "check", *args, env=env)


def test_a_pipeline_passes_on_main_then_fails_on_a_worse_pull_request(
    live_server: LiveServer, tmp_path: Path
) -> None:
    dataset, workflow = f"ci-qa-{uuid.uuid4().hex[:8]}", f"evals-{uuid.uuid4().hex[:6]}"
    auth = live_server.auth
    httpx.post(f"{live_server.url}/api/v1/datasets", json={"name": dataset}, headers=auth)
    items = [{"id": f"{dataset}-{n}", "input": {"n": str(n)}, "expectedOutput": f"answer {n}"}
             for n in range(10)]  # fmt: skip
    added = httpx.post(f"{live_server.url}/api/v1/datasets/{dataset}/items", json=items,
                       headers=auth)  # fmt: skip
    assert added.status_code == 201, added.text

    main_env = _env(live_server, tmp_path, workflow, GITHUB_SHA="a1" * 20,
                    GITHUB_REF="refs/heads/main", GITHUB_REF_NAME="main")  # fmt: skip
    base = _job(live_server, tmp_path / "main", main_env, dataset, wrong="")
    passed = _check(main_env, tmp_path / "main", base)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "## Tracehouse gates: ✅ passed" in (tmp_path / "main" / "s.md").read_text()
    assert live_server.get(f"/api/v1/ci-runs/{base}")["status"] == "passed"

    pr_env = _env(live_server, tmp_path, workflow, GITHUB_SHA="b2" * 20,
                  GITHUB_REF="refs/pull/7/merge", GITHUB_HEAD_REF="worse-prompt")  # fmt: skip
    pr = _job(live_server, tmp_path / "pr", pr_env, dataset, wrong="1,2,3")
    failed = _check(pr_env, tmp_path / "pr", pr)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    summary = (tmp_path / "pr" / "s.md").read_text()
    assert "## Tracehouse gates: ❌ failed" in summary
    assert f"baseline run `{base}`" in summary
    assert "| ❌ | `score:accuracy >= baseline - 0.1` | 0.7 | 1 | 0.9 |" in summary
    assert "| ✅ | `error_rate <= 0.2` |" in summary
    assert "### Regressed items (3)" in summary and f"`{dataset}-2`" in summary
    run = live_server.get(f"/api/v1/ci-runs/{pr}")
    assert run["status"] == "failed" and run["pull_request"] == "7"
    assert run["branch"] == "worse-prompt" and len(run["trace_ids"]) == 10
    links = live_server.get("/api/v1/git-links", commit_sha="b2b2b2b2")["data"]
    assert [link["repository_url"] for link in links] == ["https://github.com/acme/agent"]

    finished = run_process("ci", "finish", "--run", pr, env=pr_env)
    assert finished.returncode == 0 and finished.stdout.strip() == f"{pr}: failed"


@pytest.mark.parametrize(
    "text",
    ["accuracy", "latency_p95 <=", "cost<=baseline*2", "error_rate==0"],
    ids=["no-op", "no-value", "times", "double-equals"],
)
def test_bad_gate_text_is_refused(text: str) -> None:
    import click

    with pytest.raises(click.BadParameter):
        parse_gate(text)


def test_markdown_without_baseline() -> None:
    gate = {"gate": "error_rate <= 0", "passed": True, "actual": 0.0, "baseline_value": None,
            "bound": 0.0, "reason": None, "significant": None}  # fmt: skip
    verdict = {"passed": True, "baseline_run_id": None, "traces": 3, "baseline_traces": None,
               "regressed": [], "experiments": [], "gates": [gate]}  # fmt: skip
    text = markdown(verdict, "r1", "http://x")
    assert "baseline none." in text and "| ✅ | `error_rate <= 0` | 0 | — | 0 |  |" in text
