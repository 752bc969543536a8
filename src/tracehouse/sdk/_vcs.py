"""Where the code runs, read once per process: the git working tree (repository, commit,
branch, uncommitted changes) and the usual CI variables (GitHub Actions, GitLab CI, CircleCI,
Buildkite, Jenkins), as trace metadata under the OpenTelemetry VCS and CI/CD attribute names
(which the server's repository/branch/commit filters read). Never raises; credentials in a
remote URL are dropped."""

from __future__ import annotations

import functools
import os
import re
import subprocess
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPOSITORY = "vcs.repository.url.full"
REVISION = "vcs.ref.head.revision"
BRANCH = "vcs.ref.head.name"
CHANGE = "vcs.change.id"  # the pull (merge) request
PIPELINE = "cicd.pipeline.name"
RUN_ID = "cicd.pipeline.run.id"
RUN_URL = "cicd.pipeline.run.url.full"
JOB = "cicd.pipeline.task.name"
PROVIDER = "tracehouse.ci.provider"
DIRTY = "tracehouse.git.dirty"
CHANGED_FILES = "tracehouse.git.changed_files"
CI_RUN = "tracehouse.ci_run_id"  # set by `tracehouse ci start` through TRACEHOUSE_CI_RUN_ID
GIT_TIMEOUT = 2.0
_SCP_LIKE = re.compile(r"^(?:[\w.-]+@)?([\w.-]+):(?!//)(.+)$")  # git@github.com:acme/agent.git


def clean_url(url: str | None) -> str | None:
    """An https URL without credentials or `.git`: `git@github.com:acme/a.git` and
    `https://token@github.com/acme/a` both become `https://github.com/acme/a`."""
    if not url:
        return None
    url = url.strip()
    scp = _SCP_LIKE.match(url)
    if scp and "://" not in url:
        url = f"https://{scp.group(1)}/{scp.group(2)}"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    scheme = "https" if parts.scheme in ("ssh", "git", "git+ssh") else parts.scheme
    path = parts.path.rstrip("/")
    path = path.removesuffix(".git")
    return urlunsplit((scheme, host, path, "", "")) or None


def _github(env: Mapping[str, str]) -> dict[str, Any]:
    server, repo, run = (
        env.get("GITHUB_SERVER_URL", "https://github.com"),
        env.get("GITHUB_REPOSITORY"),
        env.get("GITHUB_RUN_ID"),
    )
    pull = re.match(r"^refs/pull/(\d+)/", env.get("GITHUB_REF", ""))
    return {
        PROVIDER: "github",
        REPOSITORY: f"{server}/{repo}" if repo else None,
        REVISION: env.get("GITHUB_SHA"),
        BRANCH: env.get("GITHUB_HEAD_REF") or env.get("GITHUB_REF_NAME"),
        CHANGE: pull.group(1) if pull else None,
        PIPELINE: env.get("GITHUB_WORKFLOW"),
        JOB: env.get("GITHUB_JOB"),
        RUN_ID: run,
        RUN_URL: f"{server}/{repo}/actions/runs/{run}" if repo and run else None,
    }


def _gitlab(env: Mapping[str, str]) -> dict[str, Any]:
    return {
        PROVIDER: "gitlab",
        REPOSITORY: env.get("CI_PROJECT_URL"),
        REVISION: env.get("CI_COMMIT_SHA"),
        BRANCH: env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME") or env.get("CI_COMMIT_REF_NAME"),
        CHANGE: env.get("CI_MERGE_REQUEST_IID"),
        PIPELINE: env.get("CI_PIPELINE_NAME") or env.get("CI_PROJECT_PATH"),
        JOB: env.get("CI_JOB_NAME"),
        RUN_ID: env.get("CI_PIPELINE_ID"),
        RUN_URL: env.get("CI_PIPELINE_URL"),
    }


def _circleci(env: Mapping[str, str]) -> dict[str, Any]:
    pull = env.get("CIRCLE_PULL_REQUEST", "").rstrip("/").rsplit("/", 1)[-1]
    return {
        PROVIDER: "circleci",
        REPOSITORY: env.get("CIRCLE_REPOSITORY_URL"),
        REVISION: env.get("CIRCLE_SHA1"),
        BRANCH: env.get("CIRCLE_BRANCH"),
        CHANGE: pull or None,
        PIPELINE: env.get("CIRCLE_PROJECT_REPONAME"),
        JOB: env.get("CIRCLE_JOB"),
        RUN_ID: env.get("CIRCLE_WORKFLOW_ID") or env.get("CIRCLE_BUILD_NUM"),
        RUN_URL: env.get("CIRCLE_BUILD_URL"),
    }


def _buildkite(env: Mapping[str, str]) -> dict[str, Any]:
    pull = env.get("BUILDKITE_PULL_REQUEST", "false")
    return {
        PROVIDER: "buildkite",
        REPOSITORY: env.get("BUILDKITE_REPO"),
        REVISION: env.get("BUILDKITE_COMMIT"),
        BRANCH: env.get("BUILDKITE_BRANCH"),
        CHANGE: None if pull == "false" else pull,
        PIPELINE: env.get("BUILDKITE_PIPELINE_SLUG"),
        JOB: env.get("BUILDKITE_LABEL"),
        RUN_ID: env.get("BUILDKITE_BUILD_NUMBER"),
        RUN_URL: env.get("BUILDKITE_BUILD_URL"),
    }


def _jenkins(env: Mapping[str, str]) -> dict[str, Any]:
    branch = env.get("CHANGE_BRANCH") or env.get("BRANCH_NAME") or env.get("GIT_BRANCH")
    return {
        PROVIDER: "jenkins",
        REPOSITORY: env.get("GIT_URL"),
        REVISION: env.get("GIT_COMMIT"),
        BRANCH: branch.removeprefix("origin/") if branch else None,
        CHANGE: env.get("CHANGE_ID"),
        PIPELINE: env.get("JOB_NAME"),
        JOB: env.get("STAGE_NAME"),
        RUN_ID: env.get("BUILD_NUMBER"),
        RUN_URL: env.get("BUILD_URL"),
    }


#: Each provider: the variable that says the build runs there, and how to read the rest.
PROVIDERS: list[tuple[str, Callable[[Mapping[str, str]], dict[str, Any]]]] = [
    ("GITHUB_ACTIONS", _github),
    ("GITLAB_CI", _gitlab),
    ("CIRCLECI", _circleci),
    ("BUILDKITE", _buildkite),
    ("JENKINS_URL", _jenkins),
]


def from_ci(env: Mapping[str, str]) -> dict[str, Any]:
    """The CI provider's variables, if the process runs in one."""
    for marker, read in PROVIDERS:
        if env.get(marker):
            return read(env)
    return {}


def _git(cwd: str | None, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT,
            check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def from_git(cwd: str | None = None) -> dict[str, Any]:
    """The working tree's commit, branch, remote and uncommitted changes (none outside one)."""
    sha = _git(cwd, "rev-parse", "HEAD")
    if not sha:
        return {}
    branch = _git(cwd, "rev-parse", "--abbrev-ref", "HEAD")
    status = _git(cwd, "status", "--porcelain", "--untracked-files=no") or ""
    changed = [line[3:] for line in status.splitlines() if line.strip()]
    return {
        REPOSITORY: _git(cwd, "config", "--get", "remote.origin.url"),
        REVISION: sha,
        BRANCH: None if branch == "HEAD" else branch,  # a detached head has no branch
        DIRTY: bool(changed),
        CHANGED_FILES: len(changed) if changed else None,
    }


def detect(env: Mapping[str, str], cwd: str | None = None) -> dict[str, Any]:
    """CI variables first (a CI checkout is often a detached head), the working tree for the
    rest; `TRACEHOUSE_CI_RUN_ID` names the Tracehouse CI run."""
    found = {k: v for k, v in from_git(cwd).items() if v is not None}
    found.update({k: v for k, v in from_ci(env).items() if v})
    if found.get(REPOSITORY):
        found[REPOSITORY] = clean_url(found[REPOSITORY])
    if env.get("TRACEHOUSE_CI_RUN_ID"):
        found[CI_RUN] = env["TRACEHOUSE_CI_RUN_ID"].strip()
    return found


@functools.cache
def captured() -> dict[str, Any]:
    """`detect` of this process's environment and directory, once."""
    return detect(os.environ)
