"""Every runnable snippet of docs/evaluation.md works against a real server, with the local
OpenAI-compatible server as the judges' provider."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import LiveServer
from tests.prompts.doc_snippets import run_snippet, snippets

SNIPPETS = snippets("evaluation.md")


def test_the_page_has_its_snippets() -> None:
    assert len(SNIPPETS) >= 5


@pytest.mark.parametrize("code", SNIPPETS, ids=[f"snippet-{i}" for i in range(len(SNIPPETS))])
def test_snippet_runs(
    code: str,
    live_server: LiveServer,
    llm_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", llm_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-docs-example")
    run_snippet(code, live_server, tmp_path)
