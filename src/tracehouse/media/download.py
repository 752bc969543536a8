"""How stored media is sent to a browser: inline only for the types a browser shows as media,
as an attachment otherwise, and never able to run as a page of this site. Bytes kept in a bucket
are streamed through this server, so the bucket stays private and the headers hold."""

from __future__ import annotations

from fastapi.responses import FileResponse, Response, StreamingResponse

from tracehouse.media.content_types import INLINE_TYPES
from tracehouse.media.service import Content


def file_response(found: Content, media_id: str) -> Response:
    inline = found.content_type in INLINE_TYPES
    headers = {
        "Content-Disposition": "inline" if inline else f'attachment; filename="{media_id}"',
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=300",
    }
    stored = found.stored
    if stored.path is not None:
        return FileResponse(stored.path, media_type=found.content_type, headers=headers)
    headers["Content-Length"] = str(stored.size)
    chunks = stored.chunks or iter(())
    return StreamingResponse(chunks, media_type=found.content_type, headers=headers)
