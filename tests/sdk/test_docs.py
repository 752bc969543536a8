"""Every runnable snippet of docs/sdk.md, run as its own process with the environment the page
tells users to set, against a real server; each must produce its trace, as the page says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests import fake_openai
from tests.conftest import LiveServer
from tests.sdk.conftest import read_trace

DOC = Path(__file__).resolve().parents[2] / "docs" / "sdk.md"
SNIPPET = re.compile(
    r"<!-- run: expect-trace=(?P<name>[^>]+?) -->\n```python\n(?P<code>.*?)```", re.S
)
SNIPPETS = [(m["name"], m["code"]) for m in SNIPPET.finditer(DOC.read_text())]


@pytest.fixture(scope="module")
def openai_url() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


def test_the_page_has_its_snippets() -> None:
    assert {name for name, _ in SNIPPETS} == {
        "docs-sdk-quickstart",
        "docs-sdk-stream",
        "docs-sdk-manual",
        "docs-sdk-mask",
        "docs-sdk-openai",
        "docs-sdk-anthropic",
        "docs-sdk-otel",
    }


def _newest_trace(server: LiveServer, name: str, after: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        ids = {t["id"] for t in server.get("/api/v1/traces", name=name)["data"]} - after
        if ids:
            return read_trace(server, ids.pop())
        assert time.monotonic() < deadline, f"no new trace named {name!r}"
        time.sleep(0.1)


def _check(name: str, trace: dict[str, Any]) -> None:
    """What the page says arrives."""
    by_name = trace["by_name"]
    if name == "docs-sdk-quickstart":
        assert (trace["user_id"], trace["session_id"], trace["tags"]) == (
            "alice",
            "chat-1",
            ["docs"],
        )
        assert trace["input"] == {"question": "Capital of France?", "user": "alice"}
        assert by_name["llm-call"]["cost"]["total"] > 0
        assert by_name["search"]["type"] == "tool"
        assert [s["name"] for s in trace["scores"]] == ["helpful"]
    elif name == "docs-sdk-stream":
        assert by_name["tokens"]["output"] == "Paris"
    elif name == "docs-sdk-manual":
        assert by_name["draft-reply"]["time_to_first_token_ms"] is not None
    elif name == "docs-sdk-mask":
        assert trace["input"] == {"email": "<email>", "password": "***"}
        assert trace["output"] == "welcome <email>"
    elif name == "docs-sdk-openai":
        (generation,) = [o for o in trace["observations"] if o["type"] == "generation"]
        assert generation["usage"]["total_tokens"] > 0
        assert generation["time_to_first_token_ms"] is not None
    elif name == "docs-sdk-anthropic":
        (generation,) = [o for o in trace["observations"] if o["type"] == "generation"]
        assert generation["provider"] == "anthropic"
        assert generation["input"][0] == {"role": "system", "content": "Answer in one sentence."}
        assert generation["usage"]["total_tokens"] > 0
    elif name == "docs-sdk-otel":
        (generation,) = [o for o in trace["observations"] if o["type"] == "generation"]
        assert generation["parent_id"] == by_name["docs-sdk-otel"]["id"]
        assert "GET /weather" not in by_name


@pytest.mark.parametrize(("name", "code"), SNIPPETS, ids=[n for n, _ in SNIPPETS])
def test_snippet_sends_its_trace(
    name: str,
    code: str,
    live_server: LiveServer,
    openai_url: str,
    fake_anthropic_url: str,
    tmp_path: Path,
) -> None:
    before = {t["id"] for t in live_server.get("/api/v1/traces", name=name)["data"]}
    script = tmp_path / "snippet.py"
    script.write_text(code)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "TRACEHOUSE_"))},
        "TRACEHOUSE_BASE_URL": live_server.url,
        "TRACEHOUSE_API_KEY": live_server.secret_key,
        "OPENAI_BASE_URL": openai_url,
        "OPENAI_API_KEY": "sk-test",
        "ANTHROPIC_BASE_URL": fake_anthropic_url,
        "ANTHROPIC_API_KEY": "sk-ant-test",
    }
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    complaints = [
        line
        for line in done.stderr.splitlines()
        if line.startswith("tracehouse:")  # a busy server answering late is only retried
        and not ("cannot deliver" in line or "delivering to" in line)
    ]
    assert complaints == [], done.stderr[-3000:]
    _check(name, _newest_trace(live_server, name, before))
