"""`tracehouse export` (JSONL, CSV, Parquet) and `tracehouse import` (JSONL from `export`,
OTLP JSON), both over HTTP."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import click
from rich.progress import Progress

from tracehouse.cli import render, tables
from tracehouse.cli.client import ApiClient, ServerError, Unreachable
from tracehouse.cli.options import filter_options, server_options
from tracehouse.cli.render import plural

TRACE_FIELDS = [
    "id",
    "name",
    "user_id",
    "session_id",
    "environment",
    "release",
    "version",
    "tags",
    "metadata",
    "input",
    "output",
    "status",
    "status_message",
    "start_time",
    "end_time",
    "public",
    "bookmarked",
]
OBSERVATION_FIELDS = [
    "id",
    "parent_id",
    "type",
    "name",
    "start_time",
    "end_time",
    "completion_start_time",
    "model",
    "provider",
    "model_parameters",
    "input",
    "output",
    "level",
    "status_message",
    "metadata",
    "prompt_name",
    "prompt_version",
    "environment",
    "version",
]
SCORE_FIELDS = [
    "id",
    "name",
    "value",
    "data_type",
    "trace_id",
    "observation_id",
    "session_id",
    "comment",
    "metadata",
    "source",
    "environment",
    "timestamp",
]
OBSERVATIONS_PER_REQUEST = 500
ERRORS_SHOWN = 10


@contextmanager
def progress(total: int | None, label: str, quiet: bool) -> Iterator[Any]:
    """A progress bar on standard error (`advance()` per item); silent with --quiet."""
    with Progress(console=render.console(err=True), disable=quiet, transient=False) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)


_QUIET = click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")


@click.command("export")
@filter_options()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv", "parquet"]),
    help="Default: from the --output suffix, else jsonl.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=Path("-"),
    help="File to write; - for standard output (not for Parquet).  [default: -]",
)
@click.option(
    "--table",
    type=click.Choice(sorted(tables.TABLES)),
    default="traces",
    show_default=True,
    help="CSV/Parquet: one row per trace, observation or score.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Export at most this many traces.")
@_QUIET
@server_options
def export(
    api: ApiClient,
    filters: dict[str, Any],
    fmt: str | None,
    output: Path,
    table: str,
    limit: int | None,
    quiet: bool,
) -> None:
    """Export the traces matching the filters, oldest first.

    JSONL holds each trace as `GET /api/v1/traces/{id}` returns it (observations, usage, cost,
    inputs, outputs and scores) and is what `tracehouse import` reads. CSV and Parquet hold one
    flat table (--table). The export (format, filters, count) is entered in the server's audit
    log first."""
    fmt = fmt or {".csv": "csv", ".parquet": "parquet"}.get(output.suffix.lower(), "jsonl")
    if fmt == "parquet" and str(output) == "-":
        raise click.UsageError("Parquet needs a file: give --output FILE.parquet.")
    params = {**filters, "sort": "time", "order": "asc"}
    total = api.get("/api/v1/traces", {**params, "limit": 1})["meta"]["total_count"]
    total = min(total, limit) if limit else total
    detailed = fmt == "jsonl" or table != "traces"
    announced = {"format": fmt, "table": table, "filters": filters, "count": total}
    api.post("/api/v1/traces/exports", announced)  # into the audit log
    with progress(total, "exporting", quiet) as advance:
        traces = _traces(api, params, limit, detailed, advance)
        count = _write(fmt, output, table, traces)
    if not quiet:
        where = "standard output" if str(output) == "-" else str(output)
        unit = "trace" if fmt == "jsonl" else table.rstrip("s")
        click.echo(f"exported {plural(count, unit)} to {where}", err=True)


def _traces(
    api: ApiClient, params: dict[str, Any], limit: int | None, detailed: bool, advance: Any
) -> Iterator[dict[str, Any]]:
    for listed in api.pages("/api/v1/traces", params, limit):
        yield api.get(f"/api/v1/traces/{quote(listed['id'], safe='')}") if detailed else listed
        advance()


def _write(fmt: str, output: Path, table: str, traces: Iterator[dict[str, Any]]) -> int:
    if fmt == "parquet":
        return tables.write_parquet(output, table, tables.rows(table, traces))
    with _open_output(output) as stream:
        if fmt == "csv":
            return tables.write_csv(stream, table, tables.rows(table, traces))
        count = 0
        for trace in traces:
            stream.write(json.dumps(trace, ensure_ascii=False) + "\n")
            count += 1
        return count


@contextmanager
def _open_output(output: Path) -> Iterator[IO[str]]:
    if str(output) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with output.open("w", encoding="utf-8", newline="") as stream:
        yield stream


# --- import -------------------------------------------------------------------------------


@click.command("import")
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "jsonl", "otlp"]),
    default="auto",
    show_default=True,
    help="jsonl: traces from `export`; otlp: OTLP/JSON export requests; auto: by content.",
)
@_QUIET
@server_options
def import_(api: ApiClient, files: tuple[Path, ...], fmt: str, quiet: bool) -> None:
    """Send traces from files to the server.

    JSONL written by `tracehouse export` (one trace per line) goes to `POST /api/v1/traces`
    (with its scores to `/api/v1/scores`), keeping ids, so importing twice updates instead of
    duplicating. OTLP/JSON files (an `ExportTraceServiceRequest` per file or per line, as the
    OpenTelemetry Collector's file exporter writes them) go to `POST /v1/traces`."""
    importer = Importer(api)
    documents = [(path, item) for path in files for item in _documents(path)]
    with progress(len(documents), "importing", quiet) as advance:
        for path, (line, document) in documents:
            importer.send(f"{path}:{line}", document, fmt)
            advance()
    for message in importer.errors[:ERRORS_SHOWN]:
        click.echo(f"error: {message}", err=True)
    if len(importer.errors) > ERRORS_SHOWN:
        click.echo(f"... and {len(importer.errors) - ERRORS_SHOWN} more errors", err=True)
    if not quiet:
        click.echo(importer.summary(), err=True)
    if importer.errors:
        sys.exit(1)


def _documents(path: Path) -> list[tuple[int, Any]]:
    """(line, parsed JSON or the error) for a whole-file JSON document or each JSONL line."""
    with click.open_file(str(path), encoding="utf-8") as stream:
        text = stream.read()
    try:
        return [(1, json.loads(text))]
    except ValueError:
        pass
    found: list[tuple[int, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                found.append((number, json.loads(line)))
            except ValueError as exc:
                found.append((number, ValueError(f"not JSON ({exc})")))
    return found


class Importer:
    """Posts documents one by one, counting what was sent and collecting errors."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.counts = {"traces": 0, "observations": 0, "scores": 0, "spans": 0}
        self.rejected_spans = 0
        self.errors: list[str] = []

    def send(self, where: str, document: Any, fmt: str) -> None:
        try:
            self._send(document, fmt)
        except Unreachable:
            raise
        except (ServerError, ValueError) as exc:
            message = exc.format_message() if isinstance(exc, ServerError) else str(exc)
            self.errors.append(f"{where}: {message}")

    def _send(self, document: Any, fmt: str) -> None:
        if isinstance(document, ValueError):
            raise document
        if not isinstance(document, dict):
            raise ValueError("not a JSON object")
        is_otlp = "resourceSpans" in document or "resource_spans" in document
        if fmt == "otlp" or (fmt == "auto" and is_otlp):
            self._send_otlp(document)
        elif "id" in document:
            self._send_trace(document)
        else:
            raise ValueError("neither an exported trace (no id) nor an OTLP request")

    def _send_trace(self, trace: dict[str, Any]) -> None:
        body = {k: trace[k] for k in TRACE_FIELDS if trace.get(k) is not None}
        observations = [observation_body(o) for o in trace.get("observations") or []]
        chunks = [
            observations[i : i + OBSERVATIONS_PER_REQUEST]
            for i in range(0, len(observations), OBSERVATIONS_PER_REQUEST)
        ] or [[]]
        for index, chunk in enumerate(chunks):
            part = body if index == 0 else {"id": trace["id"]}
            self.api.post("/api/v1/traces", {**part, "observations": chunk})
        scores = [
            {k: s[k] for k in SCORE_FIELDS if s.get(k) is not None}
            for s in trace.get("scores") or []
        ]
        if scores:
            self.api.post("/api/v1/scores", scores)
        self.counts["traces"] += 1
        self.counts["observations"] += len(observations)
        self.counts["scores"] += len(scores)

    def _send_otlp(self, request: dict[str, Any]) -> None:
        content = json.dumps(request).encode()
        answer = self.api.post_raw("/v1/traces", content, "application/json")
        partial = answer.get("partialSuccess") or answer.get("partial_success") or {}
        rejected = int(partial.get("rejectedSpans") or partial.get("rejected_spans") or 0)
        sent = sum(
            len(scope.get("spans") or [])
            for resource in request.get("resourceSpans") or request.get("resource_spans") or []
            for scope in resource.get("scopeSpans") or resource.get("scope_spans") or []
        )
        self.counts["spans"] += sent - rejected
        if rejected:
            self.rejected_spans += rejected
            raise ValueError(f"{rejected} spans rejected: {partial.get('errorMessage', '')}")

    def summary(self) -> str:
        c = self.counts
        parts = []
        if c["traces"] or not c["spans"]:
            parts.append(
                f"{plural(c['traces'], 'trace')} ({plural(c['observations'], 'observation')}, "
                f"{plural(c['scores'], 'score')})"
            )
        if c["spans"]:
            parts.append(plural(c["spans"], "OTLP span"))
        failed = f", {len(self.errors)} failed" if self.errors else ""
        return f"imported {' and '.join(parts)}{failed}"


def observation_body(observation: dict[str, Any]) -> dict[str, Any]:
    """An exported observation as `POST /api/v1/traces` takes it: the client-reported cost
    only (the server computes the rest again from usage and its prices)."""
    body = {k: observation[k] for k in OBSERVATION_FIELDS if observation.get(k) is not None}
    usage = {k: v for k, v in (observation.get("usage") or {}).items() if v is not None}
    if usage:
        body["usage"] = usage
    reported = (observation.get("cost") or {}).get("reported") or {}
    if any(v is not None for v in reported.values()):
        body["cost"] = {k: v for k, v in reported.items() if v is not None}
    return body
