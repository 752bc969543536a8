"""The Jinja2 environment of the UI and the filters that format numbers, times and durations."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from tracehouse import __version__
from tracehouse.clock import iso
from tracehouse.ui.content import brief, editable, pretty, view

HERE = Path(__file__).parent
DASH = "\u2013"  # an en dash for "no value"


def duration(ms: float | None) -> str:
    if ms is None:
        return DASH
    if ms < 1:
        return f"{ms:.2f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f} s"
    return f"{ms / 60_000:.1f} min"


def tokens(value: int | None) -> str:
    if not value:
        return DASH
    return f"{value / 1000:.1f}k" if value >= 10_000 else f"{value:,}"


def cost(value: float | None) -> str:
    """Dollars as people read them: cents for a dollar and more, four decimals below, and two
    significant digits below a hundredth of a cent (`$0.0042`, `$0.000037`, never `4e-05`)."""
    if value is None:
        return DASH
    if value == 0:
        return "$0"
    if abs(value) >= 1:
        return f"${value:,.2f}"
    places = max(4, 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{min(places, 12)}f}".rstrip("0")
    return f"${text}" if len(text.split(".")[1]) >= 2 else f"${value:.2f}"


def number(value: float | None) -> str:
    """A count or measure for people: thousands separated, at most two decimals, large values
    shortened (`10,070`, `1.25`, `3.4M`); never an exponent."""
    if value is None:
        return DASH
    size = abs(value)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if size >= limit:
            return f"{value / limit:,.1f}".removesuffix(".0") + suffix
    if size >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def when(value: str | None) -> str:
    """An RFC 3339 time as `YYYY-MM-DD HH:MM:SS` (UTC)."""
    if not value:
        return DASH
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return parsed.strftime("%Y-%m-%d %H:%M:%S")


def score_value(value: Any) -> str:
    """A score as shown everywhere: booleans as true/false, numbers to two decimals."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def us_when(value: int | None) -> str:
    return when(iso(value))


def pager(query: Any, cursor: str | None) -> str:
    """The current query string with another cursor (None: the first page), without `_partial`."""
    items = [(k, v) for k, v in query.multi_items() if k not in ("cursor", "_partial")]
    if cursor:
        items.append(("cursor", cursor))
    return urlencode(items)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        duration=duration,
        tokens=tokens,
        cost=cost,
        number=number,
        when=when,
        score=score_value,
        pretty=pretty,
        us_when=us_when,
        pager=pager,
        brief=brief,
        editable=editable,
        view=view,
    )
    env.globals["version"] = __version__
    return env


ENV = _environment()


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template to an HTML response (no caching: pages show live data)."""
    if "bell" not in context:
        context["bell"] = _unread(request, context.get("who"), context.get("project"))
    html = ENV.get_template(name).render(request=request, **context)
    return HTMLResponse(html, status_code, headers={"Cache-Control": "no-store"})


def _unread(request: Request, who: Any, project: Any) -> int | None:
    """The header bell's count: the person's unread notifications in the project shown."""
    rowid = project.get("project_rowid") if hasattr(project, "get") else None
    if who is None or rowid is None:
        return None
    from tracehouse.collab import store as collab_store

    rt = request.app.state.runtime
    with rt.db.reader.connect() as conn:
        return collab_store.unread_count(conn, rowid, who.user["user_rowid"])
