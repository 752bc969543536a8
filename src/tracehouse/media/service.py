"""Media rules: an upload is asked for (deduplicated per project by content), its bytes arrive
at a signed URL and are checked against the announced hash, and a download URL is signed the
same way. The signed URLs carry no API key: clients upload and fetch them without credentials,
as they would a cloud bucket's presigned URLs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

from tracehouse.clock import iso, now_us, to_us
from tracehouse.errors import Forbidden, InvalidRequest, NotFound, PayloadTooLarge
from tracehouse.http.auth import ProjectScope
from tracehouse.media import store
from tracehouse.media.content_types import CONTENT_TYPES
from tracehouse.media.storage import Stored
from tracehouse.providers.secrets import server_secret
from tracehouse.runtime import Runtime

_CONTEXT = b"tracehouse/media-urls/v1"


@dataclass(frozen=True, slots=True)
class UploadRequest:
    """What a client announces before uploading (Langfuse's `GetMediaUploadUrlRequest`)."""

    content_type: str
    content_length: int
    sha256: str
    field: str
    trace_id: str | None = None
    observation_id: str | None = None
    dataset_id: str | None = None
    dataset_item_id: str | None = None


@dataclass(frozen=True, slots=True)
class Content:
    """Stored bytes to send, with their type."""

    stored: Stored
    content_type: str


def media_id(sha256_b64: str) -> str:
    """Langfuse's media id: the URL-safe base64 SHA-256, first 22 characters."""
    return sha256_b64.replace("+", "-").replace("/", "_")[:22]


def _digest(sha256_b64: str) -> bytes:
    try:
        digest = base64.b64decode(sha256_b64, validate=True)
    except ValueError:  # binascii.Error, or characters outside ASCII
        digest = b""
    if len(digest) != 32:
        raise InvalidRequest("sha256Hash must be the base64 SHA-256 of the content (32 bytes).")
    return digest


def request_upload(
    rt: Runtime, scope: ProjectScope, ask: UploadRequest, base_url: str
) -> dict[str, Any]:
    """`{mediaId, uploadUrl}`; `uploadUrl` is null when this project has the content already."""
    scope.require_write()
    _check_request(rt, ask)
    wanted = media_id(ask.sha256)
    values = {
        "project_rowid": scope.project_rowid,
        "id": wanted,
        "sha256": ask.sha256,
        "content_type": ask.content_type,
        "content_length": ask.content_length,
        "trace_id": ask.trace_id,
        "observation_id": ask.observation_id,
        "dataset_id": ask.dataset_id,
        "dataset_item_id": ask.dataset_item_id,
        "field": ask.field,
        "created_at": now_us(),
        "updated_at": now_us(),
    }
    with rt.db.writer.begin() as conn:
        known = store.find(conn, scope.project_rowid, wanted)
        if _uploaded(rt, known) and known["content_type"] == ask.content_type:
            return {"mediaId": known["id"], "uploadUrl": None}
        row = store.save_request(conn, values)
        if known is not None and known["content_type"] != ask.content_type:
            store.set_upload(conn, row["media_rowid"], {"uploaded_at": None})
    token = _sign(rt, "upload", row["media_rowid"], _expiry(rt))
    url = f"{base_url}/api/public/media/{row['id']}/upload?token={token}"
    return {"mediaId": row["id"], "uploadUrl": url}


def _check_request(rt: Runtime, ask: UploadRequest) -> None:
    _digest(ask.sha256)
    if ask.content_type not in CONTENT_TYPES:
        raise InvalidRequest(
            f"contentType {ask.content_type!r} is not accepted; use one of "
            f"{', '.join(sorted(CONTENT_TYPES))}."
        )
    limit = rt.settings.max_body_bytes
    if ask.content_length > limit:
        raise PayloadTooLarge(
            f"contentLength {ask.content_length} is over the limit of {limit} bytes.",
            {"limit_bytes": limit},
        )


def _uploaded(rt: Runtime, row: Any) -> bool:
    if row is None or row["uploaded_at"] is None:
        return False
    return rt.media.exists(_digest(row["sha256"]).hex())


def receive_upload(
    rt: Runtime, media_id_: str, token: str, content: bytes, content_type: str | None
) -> None:
    """The bytes of a signed upload URL: stored once they match the announced size and hash."""
    row = _signed_row(rt, "upload", media_id_, token)
    if content_type is not None and content_type.split(";")[0].strip() != row["content_type"]:
        raise InvalidRequest(f"Content-Type must be {row['content_type']}, as announced.")
    digest = _digest(row["sha256"])
    if len(content) != row["content_length"] or hashlib.sha256(content).digest() != digest:
        raise InvalidRequest(
            "The uploaded bytes do not match the announced contentLength and sha256Hash."
        )
    rt.media.write(digest.hex(), content)
    with rt.db.writer.begin() as conn:
        store.set_upload(
            conn, row["media_rowid"], {"uploaded_at": now_us(), "updated_at": now_us()}
        )


def record_report(rt: Runtime, scope: ProjectScope, media_id_: str, report: dict[str, Any]) -> None:
    """The client's account of its upload (`PATCH`): kept beside our own record of it."""
    scope.require_write()
    with rt.db.writer.begin() as conn:
        row = store.find(conn, scope.project_rowid, media_id_)
        if row is None:
            raise NotFound(f"Media {media_id_} not found within authorized project")
        store.set_upload(conn, row["media_rowid"], {**report, "updated_at": now_us()})


def describe(rt: Runtime, scope: ProjectScope, media_id_: str, base_url: str) -> dict[str, Any]:
    """Langfuse's `GetMediaResponse`, with a signed download URL."""
    with rt.db.reader.connect() as conn:
        row = store.find(conn, scope.project_rowid, media_id_)
    if row is None:
        raise NotFound(f"Media {media_id_} not found within authorized project")
    if not _uploaded(rt, row):
        raise NotFound(f"Media {media_id_} has not been uploaded yet")
    return _described(rt, row, base_url)


def describe_many(
    rt: Runtime, scope: ProjectScope, media_ids: list[str], base_url: str
) -> dict[str, dict[str, Any]]:
    """`describe` for each of these ids the project has uploaded, by id; others are left out."""
    if not media_ids:
        return {}
    with rt.db.reader.connect() as conn:
        rows = store.find_many(conn, scope.project_rowid, media_ids)
    return {row["id"]: _described(rt, row, base_url) for row in rows if _uploaded(rt, row)}


def _described(rt: Runtime, row: Any, base_url: str) -> dict[str, Any]:
    expiry = _expiry(rt)
    token = _sign(rt, "download", row["media_rowid"], expiry)
    return {
        "mediaId": row["id"],
        "contentType": row["content_type"],
        "contentLength": row["content_length"],
        "uploadedAt": iso(row["uploaded_at"]),
        "url": f"{base_url}/api/public/media/{row['id']}/content?token={token}",
        "urlExpiry": iso(to_us(expiry)),
    }


def content(rt: Runtime, media_id_: str, token: str) -> Content:
    """The file a signed download URL names."""
    return _content(rt, _signed_row(rt, "download", media_id_, token))


def project_content(rt: Runtime, scope: ProjectScope, media_id_: str) -> Content:
    """A project's media file, for someone allowed to read the project (the web UI)."""
    with rt.db.reader.connect() as conn:
        row = store.find(conn, scope.project_rowid, media_id_)
    if row is None:
        raise NotFound(f"Media {media_id_} not found within authorized project")
    return _content(rt, row)


def _content(rt: Runtime, row: Any) -> Content:
    stored = None if row["uploaded_at"] is None else rt.media.open(_digest(row["sha256"]).hex())
    if stored is None:
        raise NotFound(f"Media {row['id']} has not been uploaded yet")
    return Content(stored, row["content_type"])


# --- signed URLs --------------------------------------------------------------------------------


def _expiry(rt: Runtime) -> int:
    return int(time.time()) + rt.settings.media_url_seconds


def _key(rt: Runtime) -> bytes:
    secret = server_secret(rt.settings, rt.db.writer)
    return hashlib.sha256(_CONTEXT + b"\0" + secret.encode()).digest()


def _signature(key: bytes, purpose: str, media_rowid: int, expiry: int) -> str:
    message = f"{purpose}\n{media_rowid}\n{expiry}".encode()
    mac = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _sign(rt: Runtime, purpose: str, media_rowid: int, expiry: int) -> str:
    return f"{media_rowid}.{expiry}.{_signature(_key(rt), purpose, media_rowid, expiry)}"


def _signed_row(rt: Runtime, purpose: str, media_id_: str, token: str) -> Any:
    """The media row a valid, unexpired token for `purpose` names (403 otherwise)."""
    rowid_text, _, rest = token.partition(".")
    expiry_text, _, signature = rest.partition(".")
    if not (rowid_text.isdigit() and expiry_text.isdigit() and signature):
        raise Forbidden("This media URL is not valid.")
    rowid, expiry = int(rowid_text), int(expiry_text)
    expected = _signature(_key(rt), purpose, rowid, expiry)
    if not hmac.compare_digest(expected, signature):
        raise Forbidden("This media URL is not valid.")
    if expiry < time.time():
        raise Forbidden("This media URL has expired; ask for a new one.")
    with rt.db.reader.connect() as conn:
        row = store.by_rowid(conn, rowid)
    if row is None or row["id"] != media_id_:
        raise NotFound(f"Media {media_id_} not found")
    return row
