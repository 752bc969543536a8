"""Options shared by the data commands: the server and key (`--host`, `--api-key`) and the trace
filters of `GET /api/v1/traces`."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from tracehouse.cli.client import ApiClient, server_url

Command = Callable[..., None]
_AGO = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def server_options(func: Command) -> Command:
    """Add `--host`, `--api-key` and `--http-timeout`; the command receives `api: ApiClient`."""

    @functools.wraps(func)
    def wrapper(
        *args: Any, host: str | None, api_key: str, http_timeout: float, **kwargs: Any
    ) -> None:
        with ApiClient(server_url(host), api_key, timeout=http_timeout) as api:
            func(*args, api=api, **kwargs)

    options = [
        click.option(
            "--host",
            "--url",
            "host",
            envvar=["TRACEHOUSE_BASE_URL", "TRACEHOUSE_HOST", "TRACEHOUSE_LISTEN_HOST"],
            show_envvar=True,
            help="Server URL, or host[:port] (port default TRACEHOUSE_PORT, else 8000); the "
            "first of the variables set wins, so a shell set up for `serve` finds its server.  "
            "[default: 127.0.0.1]",
        ),
        click.option(
            "--api-key",
            envvar="TRACEHOUSE_API_KEY",
            show_envvar=True,
            required=True,
            help="Secret API key of the project (sk-th-...).",
        ),
        click.option(
            "--http-timeout",
            type=click.FloatRange(min=0.1),
            default=30.0,
            show_default=True,
            help="Seconds to wait for each answer.",
        ),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def when(value: str | None) -> str | None:
    """A time for the API: RFC 3339 as given, or `30m`/`2h`/`7d`-style "that long ago"."""
    if value is None:
        return None
    match = _AGO.match(value.strip())
    if match is None:
        return value
    ago = timedelta(**{_UNITS[match[2]]: float(match[1])})
    return (datetime.now(UTC) - ago).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_FILTERS: list[tuple[str, str, dict[str, Any]]] = [
    ("--name", "name", {"help": "Exact trace name."}),
    ("--user-id", "user_id", {"help": "Exact user id."}),
    ("--session-id", "session_id", {"help": "Exact session id."}),
    ("--status", "status", {"type": click.Choice(["ok", "warning", "error"])}),
    ("--environment", "environment", {}),
    ("--release", "release", {}),
    ("--version", "version", {"help": "Trace version (exact)."}),
    ("--tag", "tags", {"multiple": True, "help": "Carrying this tag; repeat for all of several."}),
    ("--model", "model", {"help": "With an observation of this model."}),
    ("--min-latency", "min_latency", {"type": float, "help": "Milliseconds."}),
    ("--max-latency", "max_latency", {"type": float, "help": "Milliseconds."}),
    ("--min-tokens", "min_tokens", {"type": int}),
    ("--max-tokens", "max_tokens", {"type": int}),
    ("--min-cost", "min_cost", {"type": float, "help": "USD."}),
    ("--max-cost", "max_cost", {"type": float, "help": "USD."}),
    ("--has-error/--no-error", "has_error", {"default": None, "help": "Failed or clean traces."}),
    ("--search", "q", {"help": "Text in the name, input or output."}),
]
_RANGE: list[tuple[str, str, dict[str, Any]]] = [
    ("--from", "from", {"help": "Started at or after: RFC 3339, or 30m, 2h, 7d ago."}),
    ("--to", "to", {"help": "Started before: RFC 3339, or 30m, 2h, 7d ago."}),
]
_NAMES = [name for _, name, _ in _RANGE + _FILTERS]


def filter_options(*, time_range: bool = True) -> Callable[[Command], Command]:
    """Add the trace filters of the API; the command receives them as `filters`, a dict of
    query parameters holding only the filters given."""
    specs = (_RANGE if time_range else []) + _FILTERS

    def decorate(func: Command) -> Command:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            given = {name: kwargs.pop(f"filter_{name}", None) for name in _NAMES}
            given["from"], given["to"] = when(given["from"]), when(given["to"])
            filters = {k: v for k, v in given.items() if v is not None and v != ()}
            if "tags" in filters:
                filters["tags"] = list(filters["tags"])
            func(*args, filters=filters, **kwargs)

        for flag, name, extra in reversed(specs):
            wrapper = click.option(flag, f"filter_{name}", **extra)(wrapper)
        return wrapper

    return decorate
