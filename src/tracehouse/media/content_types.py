"""The content types the media API accepts: those Langfuse's SDK may send (`MediaContentType`),
which of them a browser may show inline rather than download, and the reference string the SDK
leaves in place of uploaded bytes."""

from __future__ import annotations

import re

#: A media reference Langfuse's SDK leaves in place of the bytes it uploaded.
MEDIA_REFERENCE = re.compile(r"@@@langfuseMedia:type=([^|@]+)\|id=([^|@]+)\|source=[^|@]+@@@")

CONTENT_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/jpg",
        "image/webp",
        "image/gif",
        "image/svg+xml",
        "image/tiff",
        "image/bmp",
        "image/avif",
        "image/heic",
        "audio/mpeg",
        "audio/mp3",
        "audio/wav",
        "audio/ogg",
        "audio/oga",
        "audio/aac",
        "audio/mp4",
        "audio/flac",
        "audio/opus",
        "audio/webm",
        "video/mp4",
        "video/webm",
        "video/ogg",
        "video/mpeg",
        "video/quicktime",
        "video/x-msvideo",
        "video/x-matroska",
        "text/plain",
        "text/html",
        "text/css",
        "text/csv",
        "text/markdown",
        "text/x-python",
        "application/javascript",
        "text/x-typescript",
        "application/x-yaml",
        "application/pdf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
        "application/json",
        "application/xml",
        "application/octet-stream",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/rtf",
        "application/x-ndjson",
        "application/vnd.apache.parquet",
        "application/gzip",
        "application/x-tar",
        "application/x-7z-compressed",
    }
)

#: Shown inline (in the trace view, or when a download URL is opened); every other type,
#: SVG and HTML included, is sent as an attachment so it never runs as a page of this site.
INLINE_TYPES = frozenset(
    t for t in CONTENT_TYPES if t.split("/")[0] in {"image", "audio", "video"}
) - {"image/svg+xml"} | {"application/pdf", "text/plain"}
