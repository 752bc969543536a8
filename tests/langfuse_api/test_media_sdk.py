"""The real `langfuse` SDK against a real server process, on SQLite and on PostgreSQL: media in a
trace's input and metadata is uploaded through the media API and resolves back to the same
bytes; what its batch evaluations and reads rely on (the JSON filter, usage details under the
keys given, model parameters as strings) holds over the OTLP path it uses."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from langfuse import Langfuse
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    PUBLIC_KEY,
    SECRET_KEY,
    LiveServer,
    _truncate,
)
from tests.otlp.clients import wait_for_trace
from tests.server import start_server

APP = Path(__file__).with_name("langfuse_media_app.py")
REFERENCE = re.compile(r"^@@@langfuseMedia:type=(?P<type>[^|]+)\|id=(?P<id>[^|]+)\|source=\w+@@@$")


@dataclass
class Served:
    server: LiveServer
    data_dir: Path
    ids: dict[str, Any]

    def client(self) -> Langfuse:
        return Langfuse(
            public_key=self.server.public_key,
            secret_key=self.server.secret_key,
            base_url=self.server.url,
        )


def _run_app(server: LiveServer) -> dict[str, Any]:
    env = {
        **os.environ,
        "LANGFUSE_BASE_URL": server.url,
        "LANGFUSE_PUBLIC_KEY": server.public_key,
        "LANGFUSE_SECRET_KEY": server.secret_key,
        "PYTHONPATH": str(APP.parents[2]),
    }
    done = subprocess.run(
        [sys.executable, str(APP)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "error" not in done.stderr.lower(), done.stderr[-3000:]  # media upload errors log
    ids: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return ids


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    # The SDK keeps one client per public key in a process: each server gets its own key.
    public_key, secret_key = f"{PUBLIC_KEY}-{request.param}", f"{SECRET_KEY}-{request.param}"
    env = {
        "TRACEHOUSE_INIT_PUBLIC_KEY": public_key,
        "TRACEHOUSE_INIT_SECRET_KEY": secret_key,
        "TRACEHOUSE_INIT_USER_EMAIL": ADMIN_EMAIL,
        "TRACEHOUSE_INIT_USER_PASSWORD": ADMIN_PASSWORD,
    }
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        _truncate(url)
        env |= {"TRACEHOUSE_DATABASE_URL": url, "TRACEHOUSE_OTLP_WORKERS": "0"}
    data_dir = tmp_path_factory.mktemp(f"media-{request.param}") / "data"
    process = start_server(data_dir, env=env)
    try:
        server = LiveServer(process.url, public_key, secret_key)
        yield Served(server, data_dir, _run_app(server))
    finally:
        process.stop()


def _root_observation(served: Served) -> Any:
    wait_for_trace(served.server, served.ids["trace"], observations=2)
    client = served.client()
    found = client.api.observations.get_many(
        trace_id=served.ids["trace"], fields="core,basic,io,metadata", expand_metadata=True
    )
    client.shutdown()
    return next(o for o in found.data if o.id == served.ids["root"])


def test_media_uploads_and_resolves_to_the_same_bytes(served: Served) -> None:
    root = _root_observation(served)
    given = {"input": json.loads(root.input), "metadata": root.metadata}
    image, recording = given["input"]["image"], given["metadata"]["context"]["recording"]
    assert REFERENCE.match(image) and REFERENCE.match(image)["type"] == "image/png"
    assert REFERENCE.match(recording) and REFERENCE.match(recording)["type"] == "audio/wav"

    client = served.client()
    resolved = client.resolve_media_references(obj=given, resolve_with="base64_data_uri")
    assert resolved["input"]["image"] == "data:image/png;base64," + served.ids["png"]
    assert resolved["metadata"]["context"]["recording"] == served.ids["audio"]
    record = client.api.media.get(REFERENCE.match(image)["id"])
    assert (record.content_type, record.content_length) == ("image/png", 71)
    client.shutdown()

    stored = [p for p in (served.data_dir / "media").rglob("*") if p.is_file()]
    assert len(stored) == 2  # one file per content
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in stored)
    assert all(stat.S_IMODE(p.parent.stat().st_mode) == 0o700 for p in stored)


def test_another_projects_key_cannot_read_the_media(served: Served) -> None:
    root = _root_observation(served)
    media_id = REFERENCE.match(json.loads(root.input)["image"])["id"]  # type: ignore[index]
    base = served.server.url
    login = httpx.post(
        f"{base}/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    admin = {"Authorization": f"Bearer {login.json()['token']}"}
    made = httpx.post(f"{base}/api/v1/projects", json={"name": "other"}, headers=admin)
    assert made.status_code == 201, made.text
    other = {"Authorization": f"Bearer {made.json()['api_key']['secret_key']}"}
    assert httpx.get(f"{base}/api/public/media/{media_id}", headers=other).status_code == 404
    mine = httpx.get(f"{base}/api/public/media/{media_id}", headers=served.server.auth)
    assert mine.status_code == 200 and httpx.get(mine.json()["url"]).status_code == 200


def test_sdk_reads_usage_parameters_and_filter(served: Served) -> None:
    wait_for_trace(served.server, served.ids["trace"], observations=2)
    client = served.client()
    trace_id = served.ids["trace"]
    found = client.api.observations.get_many(trace_id=trace_id, fields="core,basic,model,usage")
    generation = next(o for o in found.data if o.id == served.ids["generation"])
    assert generation.usage_details == {"prompt_tokens": 10, "completion_tokens": 20, "total": 30}
    assert generation.model_parameters == {
        "temperature": "0.7",
        "max_tokens": "100",
        "stop": '["user-1","user-2"]',
    }
    nothing = [{"type": "string", "column": "name", "operator": "=", "value": "no-such-name"}]
    assert client.api.observations.get_many(filter=json.dumps(nothing)).data == []
    named = [{"type": "string", "column": "name", "operator": "=", "value": "vision-call"}]
    hits = client.api.observations.get_many(filter=json.dumps(named)).data
    assert [o.id for o in hits] == [served.ids["generation"]]
    client.shutdown()
    auth = (served.server.public_key, served.server.secret_key)
    trace = httpx.get(f"{served.server.url}/api/public/traces/{trace_id}", auth=auth).json()
    assert "externalId" in trace and trace["externalId"] is None
