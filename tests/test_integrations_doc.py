"""Every runnable snippet of docs/integrations.md, run as its own process with the environment
variables the page tells users to set, against a real server; each must produce its trace."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests import fake_openai
from tests.conftest import LiveServer

DOC = Path(__file__).resolve().parent.parent / "docs" / "integrations.md"
SNIPPET = re.compile(
    r"<!-- run: expect-trace=(?P<name>[^>]+?) -->\n```python\n(?P<code>.*?)```", re.S
)
SNIPPETS = [(m["name"], m["code"]) for m in SNIPPET.finditer(DOC.read_text())]


@pytest.fixture(scope="module")
def openai_url() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


def test_the_page_has_a_snippet_per_integration() -> None:
    assert {name for name, _ in SNIPPETS} >= {"docs-langfuse", "docs-otel", "ChatCompletion"}
    assert len(SNIPPETS) >= 5


def _traces_named(server: LiveServer, name: str) -> list[dict[str, object]]:
    response = httpx.get(
        f"{server.url}/api/v1/traces", params={"name": name}, headers=server.auth, timeout=10
    )
    assert response.status_code == 200, response.text
    data: list[dict[str, object]] = response.json()["data"]
    return data


@pytest.mark.parametrize(("name", "code"), SNIPPETS, ids=[n for n, _ in SNIPPETS])
def test_snippet_sends_its_trace(
    name: str, code: str, live_server: LiveServer, openai_url: str, tmp_path: Path
) -> None:
    before = len(_traces_named(live_server, name))
    script = tmp_path / "snippet.py"
    script.write_text(code)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "LANGFUSE_"))},
        "LANGFUSE_BASE_URL": live_server.url,
        "LANGFUSE_PUBLIC_KEY": live_server.public_key,
        "LANGFUSE_SECRET_KEY": live_server.secret_key,
        "OTEL_EXPORTER_OTLP_ENDPOINT": live_server.url,
        "OTEL_EXPORTER_OTLP_HEADERS": f"Authorization=Bearer%20{live_server.secret_key}",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_SERVICE_NAME": "docs-snippet",
        "OPENAI_BASE_URL": openai_url,
        "OPENAI_API_KEY": "sk-test",
    }
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Failed to export" not in done.stderr, done.stderr[-3000:]
    deadline = time.monotonic() + 10
    while len(_traces_named(live_server, name)) <= before:
        assert time.monotonic() < deadline, f"no new trace named {name!r}\n{done.stderr[-2000:]}"
        time.sleep(0.1)
