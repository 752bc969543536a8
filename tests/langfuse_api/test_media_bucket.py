"""Media kept in an S3-compatible bucket (moto's S3 server on loopback stands in for AWS, MinIO or
R2): the media API on SQLite and PostgreSQL and the real `langfuse` SDK against a real server
process store each content once, keyed by its SHA-256 under the prefix, keep other projects out,
and stream the same bytes back; nothing is written to the media directory."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from langfuse import Langfuse
from moto.server import ThreadedMotoServer
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PUBLIC_KEY,
    SECRET_KEY,
    Harness,
    LiveServer,
    make_settings,
    start,
)
from tests.langfuse_api.test_media_api import CONTENT, ask, put, request_upload
from tests.langfuse_api.test_media_sdk import REFERENCE, _run_app
from tests.langfuse_api.test_public_api import BASIC
from tests.otlp.clients import wait_for_trace
from tests.server import start_server

from tracehouse.config import Settings
from tracehouse.media.storage import media_storage

PREFIX = "tracehouse/media"
KEY = f"{PREFIX}/{hashlib.sha256(CONTENT).hexdigest()}"
#: Credentials through the standard AWS environment variables, as a deployment sets them; no
#: profile or instance metadata is consulted.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "tracehouse-test",
    "AWS_SECRET_ACCESS_KEY": "tracehouse-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass
class Bucket:
    client: Any
    name: str
    endpoint: str

    def objects(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
        return body

    def settings(self) -> dict[str, str]:
        return {
            "media_s3_bucket": self.name,
            "media_s3_prefix": PREFIX,
            "media_s3_endpoint_url": self.endpoint,
            "media_s3_region": "us-east-1",
        }


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    client = boto3.session.Session().client("s3", endpoint_url=s3_endpoint)
    name = f"media-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return Bucket(client, name, s3_endpoint)


@pytest.fixture
async def th(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest, bucket: Bucket
) -> AsyncIterator[Harness]:
    """The app on SQLite and on PostgreSQL, its media in `bucket`."""
    async for harness in start(make_settings(db_kind, tmp_path, request, **bucket.settings())):
        yield harness


@pytest.mark.anyio
async def test_media_is_kept_once_in_the_bucket_and_streamed_back(
    th: Harness, bucket: Bucket
) -> None:
    _, other = await th.new_project("elsewhere")
    first = await request_upload(th, ask())
    assert first.upload_url and (await put(th, first.upload_url)).status_code == 200
    assert bucket.objects() == [KEY] and bucket.read(KEY) == CONTENT

    missing = await th.client.get(f"/api/public/media/{first.media_id}", headers=other)
    assert missing.status_code == 404  # another project's key sees nothing
    theirs = await request_upload(th, ask(), headers=other)
    assert theirs.upload_url and (await put(th, theirs.upload_url)).status_code == 200
    assert bucket.objects() == [KEY]  # the same content is stored once
    again = await request_upload(th, ask())
    assert again.upload_url is None

    record = await th.client.get(f"/api/public/media/{first.media_id}", headers=BASIC)
    download = await th.client.get(record.json()["url"])
    assert download.status_code == 200 and download.content == CONTENT
    assert download.headers["content-length"] == str(len(CONTENT))
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in download.headers["content-security-policy"]
    assert not (th.settings.data_dir / "media").exists()


@pytest.mark.anyio
async def test_an_object_gone_from_the_bucket_is_asked_for_again(
    th: Harness, bucket: Bucket
) -> None:
    first = await request_upload(th, ask())
    assert first.upload_url and (await put(th, first.upload_url)).status_code == 200
    url = (await th.client.get(f"/api/public/media/{first.media_id}", headers=BASIC)).json()["url"]
    bucket.client.delete_object(Bucket=bucket.name, Key=KEY)  # e.g. a lifecycle rule expired it
    assert (await th.client.get(url)).status_code == 404
    gone = await th.client.get(f"/api/public/media/{first.media_id}", headers=BASIC)
    assert gone.status_code == 404
    again = await request_upload(th, ask())
    assert again.upload_url and (await put(th, again.upload_url)).status_code == 200
    assert bucket.objects() == [KEY] and (await th.client.get(url)).content == CONTENT


def test_the_sdk_uploads_to_the_bucket_and_resolves_the_same_bytes(
    bucket: Bucket, tmp_path: Path
) -> None:
    env = {
        **AWS_ENV,
        **{f"TRACEHOUSE_{name.upper()}": value for name, value in bucket.settings().items()},
        "TRACEHOUSE_INIT_PUBLIC_KEY": f"{PUBLIC_KEY}-s3",
        "TRACEHOUSE_INIT_SECRET_KEY": f"{SECRET_KEY}-s3",
        "TRACEHOUSE_INIT_USER_EMAIL": ADMIN_EMAIL,
        "TRACEHOUSE_INIT_USER_PASSWORD": ADMIN_PASSWORD,
    }
    process = start_server(tmp_path / "data", env=env)
    try:
        server = LiveServer(process.url, f"{PUBLIC_KEY}-s3", f"{SECRET_KEY}-s3")
        ids = _run_app(server)
        wait_for_trace(server, ids["trace"], observations=2)
        client = Langfuse(
            public_key=server.public_key, secret_key=server.secret_key, base_url=server.url
        )
        found = client.api.observations.get_many(trace_id=ids["trace"], fields="core,basic,io")
        root = next(o for o in found.data if o.id == ids["root"])
        given = {"input": json.loads(root.input)}
        resolved = client.resolve_media_references(obj=given, resolve_with="base64_data_uri")
        assert resolved["input"]["image"] == "data:image/png;base64," + ids["png"]
        client.shutdown()
        png = hashlib.sha256(base64.b64decode(ids["png"])).hexdigest()
        stored = bucket.objects()
        assert len(stored) == 2 and f"{PREFIX}/{png}" in stored  # image and audio, by hash
        assert not (tmp_path / "data" / "media").exists()
        media_id = REFERENCE.match(given["input"]["image"])["id"]  # type: ignore[index]
        assert _other_key_status(server, media_id) == 404
    finally:
        process.stop()


def _other_key_status(server: LiveServer, media_id: str) -> int:
    login = httpx.post(
        f"{server.url}/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    admin = {"Authorization": f"Bearer {login.json()['token']}"}
    made = httpx.post(f"{server.url}/api/v1/projects", json={"name": "other"}, headers=admin)
    other = {"Authorization": f"Bearer {made.json()['api_key']['secret_key']}"}
    return httpx.get(f"{server.url}/api/public/media/{media_id}", headers=other).status_code


def test_a_bucket_without_boto3_stops_the_start_with_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # not installed
    monkeypatch.delitem(sys.modules, "tracehouse.media.bucket", raising=False)
    settings = Settings(data_dir=tmp_path, media_s3_bucket="media")
    with pytest.raises(RuntimeError, match=r"tracehouse\[s3\]"):
        media_storage(settings)
