"""`tracehouse ci start|check|finish`: a CI run of the pipeline on the server, its gates
checked (exit 1 when one fails) with a Markdown summary for the job page or a PR comment."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import click

from tracehouse.cli.client import ApiClient
from tracehouse.cli.options import server_options

RUN_ENV = "TRACEHOUSE_CI_RUN_ID"
_GATE = re.compile(
    r"^\s*(?P<metric>[\w:.\- ]+?)\s*(?P<op><=|>=|<|>)\s*"
    r"(?:(?P<baseline>baseline)\s*(?:(?P<sign>[+-])\s*)?)?(?P<value>\d+(?:\.\d+)?)?\s*(?P<pct>%)?\s*$"
)
_RUN = click.option(
    "--run", "run_id", envvar=RUN_ENV, show_envvar=True, required=True,
    help="The CI run's id (`ci start` prints it and sets it for later GitHub Actions steps).",
)  # fmt: skip


@click.group()
def ci() -> None:
    """CI runs on a server: start one, check its gates, finish it (HTTP API)."""


def parse_gate(text: str) -> dict[str, Any]:
    """`score:accuracy>=0.8`, `latency_p95<=baseline+10%`, `cost_mean<=baseline`, ..."""
    found = _GATE.match(text)
    if not found or (found["value"] is None and not found["baseline"]):
        raise click.BadParameter(
            f"{text!r}: write METRIC OP VALUE or METRIC OP baseline[+|-VALUE[%]], "
            "e.g. 'score:accuracy>=baseline-0.05' or 'latency_p95<=2000'.",
            param_hint="--gate",
        )
    value = float(found["value"] or 0)
    if found["sign"] == "-":
        value = -value
    return {"metric": found["metric"].strip(), "op": found["op"], "value": value,
            "baseline": bool(found["baseline"]), "relative": bool(found["pct"])}  # fmt: skip


def _detected() -> dict[str, Any]:
    from tracehouse.sdk import _vcs

    return _vcs.detect(os.environ)


@ci.command("start")
@click.option("--provider", help="github, gitlab, ... [default: detected, else 'local']")
@click.option("--pipeline", help="The workflow or pipeline [default: detected].")
@click.option("--job", help="The job [default: detected].")
@click.option("--commit", help="The commit sha [default: detected].")
@click.option("--branch", help="The branch [default: detected].")
@click.option("--pull-request", help="The pull request [default: detected].")
@click.option("--run-url", help="The run's page [default: detected].")
@server_options
def start(api: ApiClient, **given: str | None) -> None:
    """Record a CI run (with what the CI variables and the git checkout tell) and link its
    commit; print its id. In GitHub Actions it is also set as TRACEHOUSE_CI_RUN_ID for the
    job's later steps, so the SDK tags their traces with it."""
    from tracehouse.sdk import _vcs

    seen = _detected()
    body = {
        "provider": given["provider"] or seen.get(_vcs.PROVIDER) or "local",
        "pipeline": given["pipeline"] or seen.get(_vcs.PIPELINE),
        "job": given["job"] or seen.get(_vcs.JOB),
        "run_id": seen.get(_vcs.RUN_ID),
        "run_url": given["run_url"] or seen.get(_vcs.RUN_URL),
        "commit_sha": given["commit"] or seen.get(_vcs.REVISION),
        "branch": given["branch"] or seen.get(_vcs.BRANCH),
        "pull_request": given["pull_request"] or seen.get(_vcs.CHANGE),
    }
    run = api.post("/api/v1/ci-runs", {k: v for k, v in body.items() if v})
    if body["commit_sha"] and seen.get(_vcs.REPOSITORY):
        link = {"repository_url": seen[_vcs.REPOSITORY], "commit_sha": body["commit_sha"],
                "branch": body["branch"], "dirty": bool(seen.get(_vcs.DIRTY)),
                "ci_run_id": run["id"]}  # fmt: skip
        api.post("/api/v1/git-links", link)
    if github_env := os.environ.get("GITHUB_ENV"):
        with Path(github_env).open("a") as out:
            out.write(f"{RUN_ENV}={run['id']}\n")
    click.echo(run["id"])


@ci.command("check")
@_RUN
@click.option(
    "--gate", "gates", multiple=True, required=True,
    help="METRIC OP VALUE, or METRIC OP baseline[+|-VALUE[%]]; metrics: error_rate, "
    "latency_mean|p50|p95|p99, tokens_mean|total, cost_mean|total, volume, score:NAME.",
)  # fmt: skip
@click.option("--baseline-run", help="Compare with this run [default: the last passed run on "
              "the default branch, same pipeline].")  # fmt: skip
@click.option("--default-branch", default="main", show_default=True)
@click.option(
    "--significant-only", is_flag=True,
    help="A baseline gate fails only when the change is also statistically significant.",
)  # fmt: skip
@click.option("--no-finish", is_flag=True, help="Leave the run's status as it is.")
@click.option(
    "--summary", "summary_path", type=click.Path(dir_okay=False, path_type=Path),
    envvar="GITHUB_STEP_SUMMARY", show_envvar=True, help="Append the Markdown summary here.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@server_options
def check(
    api: ApiClient, run_id: str, gates: tuple[str, ...], baseline_run: str | None,
    default_branch: str, significant_only: bool, no_finish: bool, summary_path: Path | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Check the run's gates; print (and write) the Markdown summary; exit 1 if a gate fails."""
    parsed = [{**parse_gate(g), "significant": significant_only} for g in gates]
    body: dict[str, Any] = {"gates": parsed, "default_branch": default_branch}
    body.update(finish=not no_finish, baseline_run_id=baseline_run)
    verdict = api.post(f"/api/v1/ci-runs/{run_id}/check", body)
    text = markdown(verdict, run_id, api.url)
    if summary_path is not None:
        with summary_path.open("a") as out:
            out.write(text + "\n")
    click.echo(json.dumps(verdict, indent=2) if as_json else text)
    if not verdict["passed"]:
        sys.exit(1)


@ci.command("finish")
@_RUN
@click.option(
    "--status", type=click.Choice(["passed", "failed", "canceled", "error"]),
    help="[default: the verdict of the last check, else passed]",
)  # fmt: skip
@server_options
def finish(api: ApiClient, run_id: str, status: str | None) -> None:
    """Set the run's final status (and end time)."""
    if status is None:
        verdict = api.get(f"/api/v1/ci-runs/{run_id}").get("verdict")
        status = "failed" if verdict and not verdict["passed"] else "passed"
    run = api.request("PATCH", f"/api/v1/ci-runs/{run_id}", json={"status": status}).json()
    click.echo(f"{run['id']}: {run['status']}")


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:.4g}"


def markdown(verdict: dict[str, Any], run_id: str, server: str) -> str:
    """The verdict as Markdown: every gate, the regressed items, the experiments."""
    mark = "✅ passed" if verdict["passed"] else "❌ failed"
    base = verdict.get("baseline_run_id")
    lines = [
        f"## Tracehouse gates: {mark}", "",
        f"CI run `{run_id}`: {verdict['traces']} traces; baseline "
        + (f"run `{base}` ({verdict['baseline_traces']} traces)." if base else "none."), "",
        "| | gate | this run | baseline | bound | note |", "|---|---|---|---|---|---|",
    ]  # fmt: skip
    for g in verdict["gates"]:
        note = g["reason"] or ("significant" if g["significant"] else "")
        lines.append(
            f"| {'✅' if g['passed'] else '❌'} | `{g['gate']}` | {_num(g['actual'])} | "
            f"{_num(g['baseline_value'])} | {_num(g['bound'])} | {note} |"
        )
    if verdict["regressed"]:
        head = "| item | metric | baseline | this run | diff |"
        lines += ["", f"### Regressed items ({len(verdict['regressed'])})", "", head,
                  "|---|---|---|---|---|"]  # fmt: skip
        for r in verdict["regressed"]:
            lines.append(
                f"| `{r['dataset_item_id']}` | {r['metric']} | {_num(r['baseline_value'])} | "
                f"{_num(r['value'])} | [trace diff]({server}{r['diff_url']}) |"
            )
    if verdict["experiments"]:
        names = ", ".join(f"`{e['name']}`" for e in verdict["experiments"])
        lines += ["", f"Experiments: {names}."]
    return "\n".join(lines)
