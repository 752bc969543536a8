"""Experiments (dataset runs): every run of the project, one run's items with their outputs,
scores, latency and cost, and two or more runs side by side. The data is the API's own
(`runs.results` + `render.comparison`); `ui.comparison` only sets runs against a baseline.

Registered before the datasets routes: `/datasets/{name}/runs…` must not be read as a dataset
named `…/runs` (names may hold `/`, but never `runs` after one).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tracehouse.datasets import render, runs, service
from tracehouse.errors import InvalidRequest
from tracehouse.http.auth import ProjectScope, RuntimeDep
from tracehouse.ui import comparison
from tracehouse.ui.routes.datasets import PAGE, dataset_href
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/p/{project_id}", include_in_schema=False)


@router.get("/experiments", response_class=HTMLResponse)
def experiment_list(request: Request, project_id: str, who: ViewerDep, rt: RuntimeDep) -> Response:
    """Every run of the project, newest first (by its traces' start, else its creation)."""
    scope = who.scope(project_id)
    raw = request.query_params.get("offset", "")
    offset = int(raw) if raw.isdigit() else 0
    rows = runs.experiments(rt, scope, (0, None), {}, PAGE + 1, offset)
    named, _ = service.list_datasets(rt, scope, 1_000_000, 0)
    names = {row["id"]: row["name"] for row, _ in named}
    summaries = _summaries(rt, scope, rows[:PAGE], names)
    return page(
        request,
        "experiments.html",
        nav="experiments",
        who=who,
        project=who.project(project_id),
        experiments=[
            {**render.run(r), **_extra(r, names), "summary": summaries[r["id"]]}
            for r in rows[:PAGE]
        ],
        has_datasets=bool(names),
        next_offset=offset + PAGE if len(rows) > PAGE else None,
    )


def _summaries(
    rt: RuntimeDep, scope: ProjectScope, rows: list[Any], names: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """{run id: its summary} (scores, latency, cost), one read per dataset."""
    by_dataset: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_dataset[names[row["dataset_id"]]].append(row["name"])
    out = {}
    for dataset, run_names in by_dataset.items():
        _, found, _ = runs.results(rt, scope, dataset, run_names)
        out.update({f.run["id"]: f.aggregate() for f in found})
    return out


def _extra(row: Any, names: dict[str, str]) -> dict[str, Any]:
    return {
        "dataset_name": names.get(row["dataset_id"], row["dataset_id"]),
        "item_count": row["item_count"],
        "start_time": row["start_time"],
    }


def _compared(
    rt: RuntimeDep, who: ViewerDep, project_id: str, name: str, run_names: list[str], only: bool
) -> dict[str, Any]:
    scope = who.scope(project_id)
    _, all_runs, _ = runs.list_runs(rt, scope, name, 200, 0)
    oldest_first = [row["name"] for row, _ in reversed(all_runs)]
    # The baseline is the oldest run chosen, whatever the order of the address.
    ordered = sorted(run_names, key=lambda n: oldest_first.index(n) if n in oldest_first else -1)
    _, found, items = runs.results(rt, scope, name, ordered)
    view = comparison.compare(render.comparison(found, items), only_regressions=only)
    return {
        "who": who,
        "project": who.project(project_id),
        "can_edit": scope.access == "write",
        "dataset_name": name,
        "all_runs": [row["name"] for row, _ in all_runs],
        "view": view,
        "only": only,
    }


@router.get("/datasets/{name:path}/runs/compare", response_class=HTMLResponse)
def compare_runs(
    request: Request, project_id: str, name: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Two or more runs: per item each run's output and scores, deltas against the first."""
    chosen = list(dict.fromkeys(r for r in request.query_params.getlist("run") if r))
    if len(chosen) < 2:
        raise InvalidRequest("Choose two or more runs to compare.")
    only = request.query_params.get("only") == "regressions"
    context = _compared(rt, who, project_id, name, chosen, only)
    return page(request, "compare.html", nav="experiments", **context)


@router.get("/datasets/{name:path}/runs", response_class=HTMLResponse)
def run_page(
    request: Request, project_id: str, name: str, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """One run (`?run=`): its summary and each item's output, scores, latency and cost."""
    run_name = request.query_params.get("run", "")
    if not run_name:
        return RedirectResponse(dataset_href(project_id, name) + "#runs", status_code=303)
    context = _compared(rt, who, project_id, name, [run_name], False)
    return page(request, "run.html", nav="experiments", **context)


@router.post("/datasets/{name:path}/runs/delete")
def delete_run(
    project_id: str, name: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Delete a run and its links to items; the traces stay."""
    runs.delete_run(rt, who.scope(project_id), name, fields.get("run", ""))
    return RedirectResponse(dataset_href(project_id, name) + "#runs", status_code=303)
