"""How stored media is sent to a browser: inline only for the types a browser shows as media,
as an attachment otherwise, and never able to run as a page of this site."""

from __future__ import annotations

from fastapi.responses import FileResponse

from tracehouse.media.content_types import INLINE_TYPES
from tracehouse.media.service import Content


def file_response(found: Content, media_id: str) -> FileResponse:
    inline = found.content_type in INLINE_TYPES
    headers = {
        "Content-Disposition": "inline" if inline else f'attachment; filename="{media_id}"',
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=300",
    }
    return FileResponse(found.path, media_type=found.content_type, headers=headers)
