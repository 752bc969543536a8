"""Langfuse's media API over HTTP on SQLite and PostgreSQL: the upload flow as the SDK runs it
(ask, PUT to the signed URL, report, read, download), deduplication per project, and every way
an upload or a URL can be refused."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from langfuse.api import GetMediaResponse, GetMediaUploadUrlResponse
from langfuse.api.core.pydantic_utilities import parse_obj_as
from tests.conftest import Harness
from tests.langfuse_api.test_public_api import BASIC
from tests.ui.conftest import log_in

pytestmark = pytest.mark.anyio
CONTENT = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
SHA = base64.b64encode(hashlib.sha256(CONTENT).digest()).decode()


def ask(content_type: str = "image/png", **extra: Any) -> dict[str, Any]:
    return {
        "traceId": "t-media",
        "observationId": None,
        "contentType": content_type,
        "contentLength": len(CONTENT),
        "sha256Hash": SHA,
        "field": "input",
        **extra,
    }


async def request_upload(th: Harness, body: dict[str, Any], headers: Any = BASIC) -> Any:
    response = await th.client.post("/api/public/media", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return parse_obj_as(GetMediaUploadUrlResponse, response.json())


async def put(th: Harness, url: str, content: bytes = CONTENT, kind: str = "image/png") -> Any:
    headers = {"Content-Type": kind, "x-amz-checksum-sha256": SHA, "x-ms-blob-type": "BlockBlob"}
    return await th.client.put(url, content=content, headers=headers)


async def test_upload_flow_dedupe_and_download(th: Harness) -> None:
    first = await request_upload(th, ask())
    assert first.media_id == SHA.replace("+", "-").replace("/", "_")[:22] and first.upload_url
    early = await th.client.get(f"/api/public/media/{first.media_id}", headers=BASIC)
    assert early.status_code == 404  # not uploaded yet
    assert (await put(th, first.upload_url)).status_code == 200
    report = {"uploadedAt": "2026-12-06T10:00:00Z", "uploadHttpStatus": 200, "uploadTimeMs": 3}
    patched = await th.client.patch(
        f"/api/public/media/{first.media_id}", json=report, headers=BASIC
    )
    assert patched.status_code == 204

    again = await request_upload(th, ask())
    assert (again.media_id, again.upload_url) == (first.media_id, None)  # already there
    record = await th.client.get(f"/api/public/media/{first.media_id}", headers=BASIC)
    media = parse_obj_as(GetMediaResponse, record.json())
    assert (media.content_type, media.content_length) == ("image/png", len(CONTENT))
    download = await th.client.get(media.url)
    assert download.status_code == 200 and download.content == CONTENT
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in download.headers["content-security-policy"]

    retyped = await request_upload(th, ask("application/octet-stream"))
    assert retyped.upload_url  # same bytes, another type: uploaded again
    assert (await put(th, retyped.upload_url, kind="application/octet-stream")).status_code == 200
    record = await th.client.get(f"/api/public/media/{first.media_id}", headers=BASIC)
    attachment = await th.client.get(record.json()["url"])
    assert attachment.headers["content-disposition"].startswith("attachment")


async def test_other_projects_and_bad_urls_are_refused(th: Harness) -> None:
    _, other = await th.new_project("elsewhere")
    first = await request_upload(th, ask())
    theirs = await request_upload(th, ask(), headers=other)
    assert theirs.upload_url  # their own upload: no content crosses projects
    assert (await put(th, first.upload_url)).status_code == 200
    missing = await th.client.get(f"/api/public/media/{first.media_id}", headers=other)
    assert missing.status_code == 404 and "not been uploaded" in missing.json()["message"]
    unknown = await th.client.patch(
        "/api/public/media/nope",
        json={"uploadedAt": "2026-12-06T10:00:00Z", "uploadHttpStatus": 200},
        headers=BASIC,
    )
    assert unknown.status_code == 404

    url = (await th.client.get(f"/api/public/media/{first.media_id}", headers=BASIC)).json()["url"]
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    assert (await th.client.get(tampered)).status_code == 403
    as_upload = url.replace("/content?", "/upload?")  # a download token cannot upload
    assert (await put(th, as_upload)).status_code == 403
    assert (await th.client.get(url.replace("token=", "token=x"))).status_code == 403


async def test_bad_uploads_are_refused_and_not_stored(th: Harness) -> None:
    grant = await request_upload(th, ask())
    assert grant.upload_url
    wrong = await put(th, grant.upload_url, content=CONTENT[:-1] + b"!")
    assert wrong.status_code == 400 and "sha256Hash" in wrong.json()["message"]
    retyped = await put(th, grant.upload_url, kind="image/jpeg")
    assert retyped.status_code == 400
    record = await th.client.get(f"/api/public/media/{grant.media_id}", headers=BASIC)
    assert record.status_code == 404
    media_dir = th.settings.data_dir / "media"
    assert not media_dir.exists() or not [p for p in media_dir.rglob("*") if p.is_file()]

    for body, status in (
        (ask("text/x-unknown"), 400),
        (ask(sha256Hash="not base64!"), 400),
        (ask(contentLength=th.settings.max_body_bytes + 1), 413),
        ({"contentType": "image/png"}, 422),
    ):
        response = await th.client.post("/api/public/media", json=body, headers=BASIC)
        assert response.status_code == status, (body, response.text)
        assert response.json()["message"]


async def test_trace_page_shows_referenced_images(th: Harness) -> None:
    grant = await request_upload(th, ask())
    assert grant.upload_url and (await put(th, grant.upload_url)).status_code == 200
    reference = f"@@@langfuseMedia:type=image/png|id={grant.media_id}|source=bytes@@@"
    trace = {"id": "t-media", "name": "vision", "input": {"q": "what?", "image": reference}}
    created = await th.client.post("/api/v1/traces", json=trace, headers=th.auth)
    assert created.status_code == 201, created.text
    await log_in(th.client)
    project_id = (await th.client.get("/api/public/projects", headers=BASIC)).json()["data"][0][
        "id"
    ]
    src = f"/ui/p/{project_id}/media/{grant.media_id}"
    page = await th.client.get(f"/ui/p/{project_id}/traces/t-media")
    assert page.status_code == 200 and f'<img src="{src}"' in page.text
    shown = await th.client.get(src)
    assert shown.status_code == 200 and shown.content == CONTENT
    assert shown.headers["content-disposition"] == "inline"
    other_id, _ = await th.new_project("not-here")
    assert (await th.client.get(f"/ui/p/{other_id}/media/{grant.media_id}")).status_code == 404
    th.client.cookies.clear()
    assert (await th.client.get(src)).status_code in (303, 401)
