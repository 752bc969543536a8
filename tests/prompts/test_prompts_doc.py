"""Every runnable snippet of docs/prompts.md works against a real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import LiveServer
from tests.prompts.doc_snippets import run_snippet, snippets

SNIPPETS = snippets("prompts.md")


def test_the_page_has_its_snippets() -> None:
    assert len(SNIPPETS) >= 4


@pytest.mark.parametrize("code", SNIPPETS, ids=[f"snippet-{i}" for i in range(len(SNIPPETS))])
def test_snippet_runs(code: str, live_server: LiveServer, tmp_path: Path) -> None:
    run_snippet(code, live_server, tmp_path)


def test_sdk_snippet_linked_its_generation(live_server: LiveServer, tmp_path: Path) -> None:
    sdk = next(code for code in SNIPPETS if "from langfuse" in code)
    run_snippet(sdk, live_server, tmp_path)
    versions = live_server.get("/api/v1/prompts/docs/sdk-greeting/metrics")["versions"]
    assert sum(v["generations"] for v in versions) >= 1
