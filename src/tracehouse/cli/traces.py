"""`tracehouse traces list|get|tail`: read traces from a server over HTTP."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import click

from tracehouse.cli import render
from tracehouse.cli.client import ApiClient
from tracehouse.cli.options import filter_options, server_options

_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON (one trace per line).")


@click.group()
def traces() -> None:
    """List, show and follow traces on a server (HTTP API)."""


@traces.command("list")
@filter_options()
@click.option(
    "--sort",
    type=click.Choice(["time", "latency", "cost", "tokens"]),
    default="time",
    show_default=True,
)
@click.option("--order", type=click.Choice(["desc", "asc"]), default="desc", show_default=True)
@click.option(
    "--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Traces to show."
)
@_JSON
@server_options
def list_traces(
    api: ApiClient, filters: dict[str, Any], sort: str, order: str, limit: int, as_json: bool
) -> None:
    """Traces matching the filters, newest first, as a table."""
    params = {**filters, "sort": sort, "order": order}
    found = list(api.pages("/api/v1/traces", params, limit))
    if as_json:
        for trace in found:
            click.echo(json.dumps(trace, ensure_ascii=False))
        return
    if not found:
        click.echo("no traces match", err=True)
        return
    total = api.get("/api/v1/traces", {**params, "limit": 1})["meta"]["total_count"]
    caption = (
        f"{len(found)} of {total} traces" if total > len(found) else render.plural(total, "trace")
    )
    render.console().print(render.trace_table(found, caption))


@traces.command("get")
@click.argument("trace_id")
@click.option("--json", "as_json", is_flag=True, help="Print the trace as the API returns it.")
@server_options
def get_trace(api: ApiClient, trace_id: str, as_json: bool) -> None:
    """One trace as a tree: types, names, durations, tokens, cost, errors, and its scores."""
    trace = api.get(f"/api/v1/traces/{quote(trace_id, safe='')}")
    if as_json:
        click.echo(json.dumps(trace, indent=2, ensure_ascii=False))
        return
    render.console().print(render.trace_tree(trace))


@traces.command("tail")
@filter_options(time_range=False)
@click.option(
    "--last",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Show the N newest traces first.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=2.0,
    show_default=True,
    help="Seconds between polls.",
)
@click.option(
    "--lookback",
    type=click.FloatRange(min=0),
    default=120.0,
    show_default=True,
    help="Seconds before the newest trace seen that are searched again for late arrivals.",
)
@click.option("--max-count", type=click.IntRange(min=1), help="Stop after this many new traces.")
@click.option("--timeout", "run_for", type=click.FloatRange(min=0), help="Stop after N seconds.")
@_JSON
@server_options
def tail(
    api: ApiClient,
    filters: dict[str, Any],
    last: int,
    interval: float,
    lookback: float,
    max_count: int | None,
    run_for: float | None,
    as_json: bool,
) -> None:
    """Follow new traces as they arrive, oldest first (Ctrl-C stops).

    Polls the trace list in start-time order; a trace shows once, when first seen."""
    follower = Follower(api, filters, timedelta(seconds=lookback))
    out = render.console()

    def show(trace: dict[str, Any]) -> None:
        if as_json:
            click.echo(json.dumps(trace, ensure_ascii=False))
        else:
            out.print(render.trace_line(trace))

    follower.poll()  # what is there already is not new
    if last:
        newest = api.get("/api/v1/traces", {**filters, "limit": min(last, 200)})["data"]
        for trace in reversed(newest):
            show(trace)
    deadline = None if run_for is None else time.monotonic() + run_for
    shown = 0
    try:
        while max_count is None or shown < max_count:
            if deadline is not None and time.monotonic() >= deadline:
                return
            for trace in follower.poll()[: None if max_count is None else max_count - shown]:
                show(trace)
                shown += 1
            _pause(interval, deadline, done=max_count is not None and shown >= max_count)
    except KeyboardInterrupt:
        return


def _pause(interval: float, deadline: float | None, *, done: bool) -> None:
    if done:
        return
    wait = interval if deadline is None else min(interval, max(deadline - time.monotonic(), 0))
    time.sleep(wait)


class Follower:
    """New traces by polling the list in start-time order with keyset cursors.

    Traces are written when they end or in pieces, so one may arrive with a start time before
    the newest already seen: each poll reads again from `lookback` before the newest start
    time (the watermark) and reports only ids it has not seen.
    """

    def __init__(self, api: ApiClient, filters: dict[str, Any], lookback: timedelta) -> None:
        self.api, self.filters, self.lookback = api, filters, lookback
        self.watermark = datetime.now(UTC)
        self.seen: dict[str, datetime] = {}

    def poll(self) -> list[dict[str, Any]]:
        """Traces not seen before, oldest first."""
        since = self.watermark - self.lookback
        params = {
            **self.filters,
            "from": since.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "sort": "time",
            "order": "asc",
        }
        new = []
        for trace in self.api.pages("/api/v1/traces", params, None):
            started = datetime.fromisoformat(trace["start_time"].replace("Z", "+00:00"))
            self.watermark = max(self.watermark, started)
            if trace["id"] not in self.seen:
                self.seen[trace["id"]] = started
                new.append(trace)
        horizon = self.watermark - self.lookback
        self.seen = {k: v for k, v in self.seen.items() if v >= horizon}
        return new
