"""Fixtures of the search tests: the fake OpenAI-compatible server (its embeddings put similar
texts near each other)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.fake_openai import SCRIPT, fake_openai


@pytest.fixture
def openai_url() -> Iterator[str]:
    SCRIPT.reset()
    with fake_openai() as url:
        yield url
