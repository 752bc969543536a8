"""Traces for a terminal (rich): a table of traces, one trace as a tree of its observations,
and the number formats they share."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

_STATUS_STYLE = {"ok": "green", "warning": "yellow", "error": "bold red"}
_LEVEL_STYLE = {"ERROR": "bold red", "WARNING": "yellow", "DEBUG": "dim"}


def console(*, err: bool = False) -> Console:
    """A console that does not cut ids short when the output is a pipe or a file."""
    stream = sys.stderr if err else sys.stdout
    wide = None if stream.isatty() or os.environ.get("COLUMNS") else 200
    return Console(file=stream, width=wide, highlight=False, soft_wrap=False)


def duration(ms: float | None) -> str:
    if ms is None:
        return "-"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f} s"
    minutes, seconds = divmod(ms / 1000, 60)
    return f"{minutes:.0f}m {seconds:02.0f}s"


def tokens(count: int | None) -> str:
    return "-" if count is None else f"{count:,}"


def cost(usd: float | None) -> str:
    """USD: cents from $1, four decimals below, small amounts up to millionths."""
    if usd is None:
        return "-"
    if usd >= 1:
        return f"${usd:,.2f}"
    if usd >= 0.01:
        return f"${usd:.4f}"
    return "$" + (f"{usd:.6f}".rstrip("0").rstrip(".") if usd >= 0.000001 else f"{usd:.1g}")


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def moment(iso_time: str | None) -> str:
    """`2026-11-01T10:00:00.123456Z` as `2026-11-01 10:00:00` (UTC)."""
    return "-" if not iso_time else iso_time[:19].replace("T", " ")


def status(value: str | None) -> Text:
    return Text(value or "-", style=_STATUS_STYLE.get(value or "", ""))


def trace_table(traces: list[dict[str, Any]], caption: str | None = None) -> Table:
    table = Table(caption=caption, show_edge=False, header_style="bold")
    table.add_column("start (UTC)", no_wrap=True)
    table.add_column("id", no_wrap=True)
    table.add_column("name", overflow="fold")
    table.add_column("user", overflow="fold")
    table.add_column("status")
    table.add_column("latency", justify="right", no_wrap=True)
    table.add_column("tokens", justify="right", no_wrap=True)
    table.add_column("cost", justify="right", no_wrap=True)
    table.add_column("obs", justify="right")
    for t in traces:
        table.add_row(
            moment(t.get("start_time")),
            t["id"],
            t.get("name") or "",
            t.get("user_id") or "",
            status(t.get("status")),
            duration(t.get("latency_ms")),
            tokens(t.get("total_tokens")),
            cost(t.get("cost")),
            str(t.get("observation_count") or 0),
        )
    return table


def trace_line(trace: dict[str, Any]) -> Text:
    """One trace on one line (for `traces tail`)."""
    line = Text(f"{moment(trace.get('start_time'))}  {trace['id']}  ")
    line.append(trace.get("name") or "(unnamed)", style="bold")
    line.append("  ")
    line.append_text(status(trace.get("status")))
    line.append(
        f"  {duration(trace.get('latency_ms'))}  {tokens(trace.get('total_tokens'))} tok"
        f"  {cost(trace.get('cost'))}"
    )
    if trace.get("user_id"):
        line.append(f"  user={trace['user_id']}")
    return line


def _observation_label(o: dict[str, Any]) -> Text:
    label = Text(f"{o['type']} ", style="cyan")
    label.append(o.get("name") or "(unnamed)", style="bold")
    if o.get("model"):
        label.append(f"  {o['model']}", style="magenta")
    label.append(f"  {duration(o.get('latency_ms'))}")
    usage = o.get("usage") or {}
    if usage.get("total_tokens"):
        label.append(
            f"  {tokens(usage['total_tokens'])} tok "
            f"({tokens(usage.get('input_tokens'))} in / {tokens(usage.get('output_tokens'))} out)"
        )
    total = (o.get("cost") or {}).get("total")
    if total is not None:
        label.append(f"  {cost(total)}")
    level = o.get("level") or "DEFAULT"
    if level in ("ERROR", "WARNING"):
        label.append(f"  {level}", style=_LEVEL_STYLE[level])
        if o.get("status_message"):
            label.append(f": {o['status_message']}", style=_LEVEL_STYLE[level])
    return label


def trace_tree(trace: dict[str, Any]) -> Group:
    """The trace's summary line, its observations as a tree, and its scores."""
    head = Text(f"trace {trace['id']}  ")
    head.append(trace.get("name") or "(unnamed)", style="bold")
    head.append("  ")
    head.append_text(status(trace.get("status")))
    head.append(
        f"  {duration(trace.get('latency_ms'))}  {tokens(trace.get('total_tokens'))} tok"
        f"  {cost(trace.get('cost'))}"
    )
    if trace.get("status_message"):
        head.append(f"  {trace['status_message']}", style="red")
    tree = Tree(head)
    by_id = {o["id"]: o for o in trace.get("observations") or []}

    # a stack, not recursion: agent loops can nest deeper than Python's recursion limit
    stack = [(tree, node) for node in reversed(trace.get("tree") or [])]
    while stack:
        parent, node = stack.pop()
        branch = parent.add(_observation_label(by_id[node["id"]]))
        stack.extend((branch, child) for child in reversed(node["children"]))
    parts: list[Any] = [_details(trace), tree]
    if trace.get("scores"):
        parts.append(_scores(trace["scores"]))
    return Group(*parts)


def _details(trace: dict[str, Any]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    fields = [
        ("start", moment(trace.get("start_time")) + " UTC"),
        ("user", trace.get("user_id")),
        ("session", trace.get("session_id")),
        ("environment", trace.get("environment")),
        ("release", trace.get("release")),
        ("tags", ", ".join(trace.get("tags") or [])),
        ("models", ", ".join(trace.get("models") or [])),
        ("input", _short(trace.get("input"))),
        ("output", _short(trace.get("output"))),
    ]
    for name, value in fields:
        if value:
            grid.add_row(name, value)
    return grid


def _short(value: Any, width: int = 160) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def _scores(scores: list[dict[str, Any]]) -> Table:
    table = Table(title="scores", show_edge=False, header_style="bold", title_justify="left")
    for column in ("name", "value", "source", "on", "comment"):
        table.add_column(column, overflow="fold")
    for s in scores:
        table.add_row(
            s["name"],
            str(s["value"]),
            s.get("source") or "",
            s.get("observation_id") or "trace",
            s.get("comment") or "",
        )
    return table
