"""Decode OTLP/HTTP request bodies (protobuf or OTLP/JSON, optionally compressed) into plain data.

OTLP/JSON is not the standard proto3 JSON mapping: ids are hex strings, enums integers, 64-bit
integers strings or numbers. So JSON is walked by hand (after `orjson`), never through
`google.protobuf.json_format`. Anything that cannot be decoded raises `InvalidRequest`; single
spans with unusable ids are skipped and counted so the caller can report a partial success.
"""

from __future__ import annotations

import zlib

from tracehouse.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from tracehouse.otlp.decoded import Decoded
from tracehouse.otlp.json_export import logs_from_json, spans_from_json
from tracehouse.otlp.protobuf import logs_from_protobuf, spans_from_protobuf

PROTOBUF = "application/x-protobuf"
JSON = "application/json"


def media_type(content_type: str | None) -> str:
    """`application/x-protobuf` or `application/json` (parameters ignored); else 415."""
    kind = (content_type or PROTOBUF).split(";", 1)[0].strip().lower()
    if kind in (PROTOBUF, "application/protobuf", "application/octet-stream"):
        return PROTOBUF
    if kind == JSON:
        return JSON
    raise UnsupportedMediaType(
        f"Unsupported Content-Type {kind!r}: send application/x-protobuf or application/json."
    )


def decompress(body: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo `Content-Encoding` (gzip, deflate or identity), refusing output over `limit` bytes."""
    name = (encoding or "identity").strip().lower()
    if name in ("", "identity", "none"):
        return body
    if name in ("gzip", "x-gzip"):
        return _inflate(body, zlib.MAX_WBITS | 16, limit)
    if name == "deflate":
        try:
            return _inflate(body, zlib.MAX_WBITS, limit)
        except InvalidRequest:
            return _inflate(body, -zlib.MAX_WBITS, limit)  # raw deflate, no zlib header
    raise UnsupportedMediaType(f"Unsupported Content-Encoding {name!r}: use gzip or deflate.")


def _inflate(body: bytes, wbits: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise InvalidRequest(f"Body could not be decompressed: {exc}.") from exc
    if len(out) > limit:
        raise PayloadTooLarge(f"Decompressed body exceeds {limit} bytes.")
    if not inflater.eof:
        raise InvalidRequest("Compressed body is truncated.")
    return out


__all__ = [
    "JSON",
    "PROTOBUF",
    "Decoded",
    "UnsupportedMediaType",
    "decompress",
    "logs_from_json",
    "logs_from_protobuf",
    "media_type",
    "spans_from_json",
    "spans_from_protobuf",
]
