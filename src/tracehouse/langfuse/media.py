"""Langfuse's media API: `POST /media` (ask for an upload URL), the signed upload and download
URLs it hands out (`PUT /media/{id}/upload`, `GET /media/{id}/content`, no API key: the token
in the URL is the authority), `PATCH /media/{id}` (the client's upload report) and
`GET /media/{id}` (the record with a download URL), over the media service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from tracehouse.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.schemas import RequestModel
from tracehouse.media import service
from tracehouse.media.download import file_response
from tracehouse.runtime import Runtime

router = APIRouter(prefix="/api/public/media", tags=["langfuse"])
_AUTHED = error_responses(
    InvalidRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
    RateLimited,
)
_SIGNED = error_responses(InvalidRequest, Forbidden, NotFound, PayloadTooLarge)
Token = Annotated[str, Query(description="The signature the URL was handed out with.")]


class MediaUploadIn(RequestModel):
    """Langfuse's `GetMediaUploadUrlRequest`."""

    trace_id: str | None = Field(None, max_length=64)
    observation_id: str | None = Field(None, max_length=64)
    dataset_id: str | None = Field(None, max_length=64)
    dataset_item_id: str | None = Field(None, max_length=64)
    content_type: str = Field(max_length=200)
    content_length: int = Field(ge=0)
    sha256_hash: str = Field(max_length=64)
    field: str = Field(max_length=50, description="input, output, metadata or expectedOutput.")


class MediaPatchIn(RequestModel):
    """Langfuse's `PatchMediaBody`: how the client's upload went."""

    uploaded_at: datetime
    upload_http_status: int
    upload_http_error: str | None = None
    upload_time_ms: int | None = None


def base_url(request: Request, rt: Runtime) -> str:
    """Where clients reach this server: `public_url`, else the URL the request came to."""
    return (rt.settings.public_url or str(request.base_url)).rstrip("/")


@router.post("", responses=_AUTHED, summary="Ask for a media upload URL (Langfuse)")
def request_upload(
    body: MediaUploadIn, request: Request, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """`{mediaId, uploadUrl}`: `PUT` the bytes to `uploadUrl` (no API key needed) with their
    `Content-Type`; `uploadUrl` is null when the project has this content already."""
    ask = service.UploadRequest(
        content_type=body.content_type,
        content_length=body.content_length,
        sha256=body.sha256_hash,
        field=body.field,
        trace_id=body.trace_id,
        observation_id=body.observation_id,
        dataset_id=body.dataset_id,
        dataset_item_id=body.dataset_item_id,
    )
    return service.request_upload(rt, scope, ask, base_url(request, rt))


@router.put(
    "/{media_id}/upload",
    responses=_SIGNED,
    openapi_extra={"requestBody": {"required": True, "content": {"*/*": {"schema": {}}}}},
    summary="Upload media bytes to a signed URL",
)
async def upload(media_id: str, token: Token, request: Request, rt: RuntimeDep) -> Response:
    """The bytes must match the announced size and SHA-256; 200 once they are stored."""
    content = await request.body()
    content_type = request.headers.get("content-type")
    await run_in_threadpool(service.receive_upload, rt, media_id, token, content, content_type)
    return Response(status_code=200)


@router.patch("/{media_id}", status_code=204, responses=_AUTHED, summary="Report a media upload")
def report_upload(
    media_id: str, body: MediaPatchIn, scope: ProjectScopeDep, rt: RuntimeDep
) -> Response:
    report = {
        "upload_http_status": body.upload_http_status,
        "upload_http_error": body.upload_http_error,
        "upload_time_ms": body.upload_time_ms,
    }
    service.record_report(rt, scope, media_id, report)
    return Response(status_code=204)


@router.get("/{media_id}", responses=_AUTHED, summary="Get a media record (Langfuse)")
def get_media(
    media_id: str, request: Request, scope: ProjectScopeDep, rt: RuntimeDep
) -> dict[str, Any]:
    """`{mediaId, contentType, contentLength, uploadedAt, url, urlExpiry}`; `url` downloads the
    bytes without an API key until `urlExpiry`."""
    return service.describe(rt, scope, media_id, base_url(request, rt))


@router.get("/{media_id}/content", responses=_SIGNED, summary="Download media from a signed URL")
def download(media_id: str, token: Token, rt: RuntimeDep) -> Response:
    return file_response(service.content(rt, media_id, token), media_id)
