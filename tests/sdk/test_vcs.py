"""Git and CI capture: the SDK reads the working tree and the CI variables of GitHub Actions,
GitLab CI, CircleCI, Buildkite and Jenkins once, puts them in every trace's metadata (which
the repository/branch/commit filters read), drops credentials, and can be turned off."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import LiveServer

from tracehouse import sdk
from tracehouse.sdk import _vcs

SHA = "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39"
CI_CASES: dict[str, tuple[dict[str, str], dict[str, Any]]] = {
    "github": (
        {"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com",
         "GITHUB_REPOSITORY": "acme/agent", "GITHUB_SHA": SHA, "GITHUB_REF": "refs/pull/42/merge",
         "GITHUB_HEAD_REF": "fix-retry", "GITHUB_REF_NAME": "42/merge", "GITHUB_RUN_ID": "99",
         "GITHUB_WORKFLOW": "evals", "GITHUB_JOB": "agent-evals"},
        {"vcs.repository.url.full": "https://github.com/acme/agent",
         "vcs.ref.head.name": "fix-retry", "vcs.change.id": "42",
         "cicd.pipeline.run.url.full": "https://github.com/acme/agent/actions/runs/99",
         "cicd.pipeline.task.name": "agent-evals"},
    ),
    "gitlab": (
        {"GITLAB_CI": "true", "CI_PROJECT_URL": "https://gitlab.com/acme/agent",
         "CI_COMMIT_SHA": SHA, "CI_COMMIT_REF_NAME": "main", "CI_PIPELINE_ID": "7",
         "CI_PIPELINE_URL": "https://gitlab.com/acme/agent/-/pipelines/7", "CI_JOB_NAME": "evals"},
        {"vcs.ref.head.name": "main", "cicd.pipeline.run.id": "7", "vcs.change.id": None},
    ),
    "circleci": (
        {"CIRCLECI": "true", "CIRCLE_REPOSITORY_URL": "git@github.com:acme/agent.git",
         "CIRCLE_SHA1": SHA, "CIRCLE_BRANCH": "dev",
         "CIRCLE_PULL_REQUEST": "https://github.com/acme/agent/pull/5", "CIRCLE_JOB": "evals"},
        {"vcs.repository.url.full": "https://github.com/acme/agent", "vcs.change.id": "5"},
    ),
    "buildkite": (
        {"BUILDKITE": "true", "BUILDKITE_REPO": "https://x-token:s3cret@github.com/acme/agent.git",
         "BUILDKITE_COMMIT": SHA, "BUILDKITE_BRANCH": "main", "BUILDKITE_PULL_REQUEST": "false",
         "BUILDKITE_BUILD_URL": "https://buildkite.com/acme/agent/builds/3"},
        {"vcs.repository.url.full": "https://github.com/acme/agent", "vcs.change.id": None},
    ),
    "jenkins": (
        {"JENKINS_URL": "https://ci.acme.dev/", "GIT_URL": "https://github.com/acme/agent.git",
         "GIT_COMMIT": SHA, "GIT_BRANCH": "origin/main", "CHANGE_ID": "8", "BUILD_NUMBER": "12",
         "BUILD_URL": "https://ci.acme.dev/job/agent/12/", "JOB_NAME": "agent"},
        {"vcs.ref.head.name": "main", "vcs.change.id": "8", "cicd.pipeline.name": "agent"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("provider", sorted(CI_CASES))
def test_ci_variables(provider: str, tmp_path: Path) -> None:
    env, expected = CI_CASES[provider]
    found = _vcs.detect(env, cwd=str(tmp_path))  # not a git tree: CI variables only
    assert found["tracehouse.ci.provider"] == provider
    assert found["vcs.ref.head.revision"] == SHA
    for key, value in expected.items():
        assert found.get(key) == value, key


def _repo(path: Path) -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=path, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    git("init", "-q", "-b", "feature-x")
    git("config", "user.email", "ada@example.com")
    git("config", "user.name", "Ada")
    git("remote", "add", "origin", "git@github.com:acme/agent.git")
    (path / "agent.py").write_text("x = 1\n")
    git("add", "agent.py")
    git("commit", "-q", "-m", "first")
    return git("rev-parse", "HEAD")


def test_working_tree_and_ci_run(tmp_path: Path) -> None:
    sha = _repo(tmp_path)
    clean = _vcs.detect({}, cwd=str(tmp_path))
    assert clean == {"vcs.repository.url.full": "https://github.com/acme/agent",
                     "vcs.ref.head.revision": sha, "vcs.ref.head.name": "feature-x",
                     "tracehouse.git.dirty": False}  # fmt: skip
    (tmp_path / "agent.py").write_text("x = 2\n")
    env = {"TRACEHOUSE_CI_RUN_ID": "run-7", "GITHUB_ACTIONS": "true", "GITHUB_SHA": SHA}
    dirty = _vcs.detect(env, cwd=str(tmp_path))
    assert dirty["tracehouse.git.dirty"] is True and dirty["tracehouse.git.changed_files"] == 1
    assert dirty["vcs.ref.head.revision"] == SHA  # the CI's commit wins over the checkout's
    assert dirty["tracehouse.ci_run_id"] == "run-7"


@pytest.mark.parametrize(
    ("url", "clean"),
    [("git@github.com:acme/agent.git", "https://github.com/acme/agent"),
     ("https://user:token@gitlab.com/acme/agent.git/", "https://gitlab.com/acme/agent"),
     ("ssh://git@git.acme.dev:2222/agent.git", "https://git.acme.dev:2222/agent"),
     ("https://github.com/acme/agent", "https://github.com/acme/agent")],
    ids=["scp-like", "credentials", "ssh-port", "plain"],
)  # fmt: skip
def test_remote_urls_lose_credentials(url: str, clean: str) -> None:
    assert _vcs.clean_url(url) == clean


def test_opt_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACEHOUSE_CAPTURE_VCS")
    monkeypatch.setattr(_vcs, "captured", lambda: {"vcs.ref.head.revision": SHA})
    assert sdk.Tracehouse(api_key="sk-x", enabled=False).config.vcs == {
        "vcs.ref.head.revision": SHA
    }
    assert sdk.Tracehouse(api_key="sk-x", enabled=False, capture_vcs=False).config.vcs == {}
    monkeypatch.setenv("TRACEHOUSE_CAPTURE_VCS", "false")
    assert sdk.Tracehouse(api_key="sk-x", enabled=False).config.vcs == {}


def test_traces_carry_the_commit_and_filter_by_it(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha = _repo(tmp_path)
    monkeypatch.delenv("TRACEHOUSE_CAPTURE_VCS")
    monkeypatch.setattr(_vcs, "captured", lambda: _vcs.detect({}, cwd=str(tmp_path)))
    client = sdk.Tracehouse(live_server.url, live_server.secret_key, flush_interval=0.05)
    name = f"vcs-{uuid.uuid4().hex[:8]}"
    with client.span(name):
        client.update_current_trace(metadata={"mine": 1})
    assert client.flush()
    client.shutdown()
    found = live_server.get("/api/v1/traces", commit=sha[:10], name=name)["data"]
    assert [t["metadata"] for t in found] == [{
        "vcs.repository.url.full": "https://github.com/acme/agent",
        "vcs.ref.head.revision": sha, "vcs.ref.head.name": "feature-x",
        "tracehouse.git.dirty": False, "mine": 1,
    }]  # fmt: skip
    by_branch = live_server.get("/api/v1/traces", branch="feature-x", name=name)
    assert by_branch["meta"]["total_count"] == 1
