"""What the server logs: one line per HTTP request (method, path, status, time, request id,
never the query string nor a header), and every log line with its credentials redacted (API
keys and login tokens in URLs such as `/ws?key=…`, in headers, in URLs' passwords)."""

from __future__ import annotations

import copy
import logging
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("tracehouse.access")

REDACTED = "[redacted]"
_SECRET_PARAMS = (
    r"key|api[_-]?key|apikey|token|access[_-]?token|secret|secret[_-]?key|password|auth"
)
_SECRET_HEADERS = r"authorization|proxy-authorization|x-api-key|cookie|set-cookie"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # ?key=… &token=… in a URL or query string
    (re.compile(rf"(?i)([?&;](?:{_SECRET_PARAMS})=)[^&;\s\"'#]+"), rf"\1{REDACTED}"),
    # a header as text (`Authorization: Bearer …`) or as a pair (`(b'x-api-key', b'…')`)
    (
        re.compile(rf"(?i)\b({_SECRET_HEADERS})(['\"]?\s*[:,=]\s*b?['\"]?)[^'\"\r\n]+"),
        rf"\1\2{REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {REDACTED}"),
    # the password of a URL (`postgresql://user:…@host`)
    (re.compile(r"(://[^/\s:@]+:)[^@\s/]+@"), rf"\1{REDACTED}@"),
    # Tracehouse's own secret keys and login tokens, wherever they appear
    (re.compile(r"\b(sk-th-(?:live|test)-|tht_)[A-Za-z0-9_-]+"), rf"\1{REDACTED}"),
)


def redact(text: str) -> str:
    """`text` with every credential it shows replaced by `[redacted]`."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactCredentials(logging.Filter):
    """A handler filter: redacts the message and its string arguments (which keeps uvicorn's
    formatters, which read the arguments, working)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and all(isinstance(a, str | int | float) for a in args):
            record.msg = redact(record.msg) if isinstance(record.msg, str) else record.msg
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
            return True
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
            record.__dict__.pop("color_message", None)
        return True


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging configuration with every handler redacting, plus the root logger's
    (Tracehouse's own loggers, Alembic) at `level`."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": RedactCredentials}}
    config["formatters"]["plain"] = {"format": "%(levelname)s %(name)s: %(message)s"}
    config["handlers"]["plain"] = {
        "formatter": "plain",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    config["root"] = {"handlers": ["plain"], "level": level.upper()}
    return config


class AccessLog:
    """ASGI middleware: logs each HTTP request once it is answered."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access_log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            access_log.info(
                "%s %s %d %.1f ms request_id=%s",
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
                scope.get("state", {}).get("request_id", "-"),
            )
