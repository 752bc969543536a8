"""Fixtures of the playground tests: the local OpenAI-compatible server, its script reset."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests import fake_openai


@pytest.fixture(scope="session")
def openai_server() -> Iterator[str]:
    with fake_openai.fake_openai() as url:
        yield url


@pytest.fixture
def llm(openai_server: str) -> str:
    """The server's base URL, with an empty script and request log."""
    fake_openai.SCRIPT.reset()
    return openai_server
