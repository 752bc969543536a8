"""JSON responses encoded with orjson, and the error envelope every error uses."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse as _StarletteJSON

from tracehouse.jsontext import dumps as _dumps_text


class JSONResponse(_StarletteJSON):
    """The default response class: orjson, UTF-8, no surprises with non-string keys."""

    def render(self, content: Any) -> bytes:
        text = _dumps_text(content)
        return b"null" if text is None else text.encode()


def error_body(code: str, message: str, details: Any, request_id: str | None) -> dict[str, Any]:
    """The one error shape: {"error": {"code", "message", "details", "request_id"}}."""
    return {
        "error": {"code": code, "message": message, "details": details, "request_id": request_id}
    }


def loads(body: bytes) -> Any:
    return orjson.loads(body)
