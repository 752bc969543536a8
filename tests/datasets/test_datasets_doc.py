"""Every runnable snippet of docs/datasets.md works against a real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import LiveServer
from tests.prompts.doc_snippets import run_snippet, snippets

SNIPPETS = snippets("datasets.md")


def test_the_page_has_its_snippets() -> None:
    assert len(SNIPPETS) >= 3


@pytest.mark.parametrize("code", SNIPPETS, ids=[f"snippet-{i}" for i in range(len(SNIPPETS))])
def test_snippet_runs(code: str, live_server: LiveServer, tmp_path: Path) -> None:
    run_snippet(code, live_server, tmp_path)
