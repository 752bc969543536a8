"""Fixtures of the embeddings tests: the tiny model2vec model, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.embeddings import tiny_model


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model.build(tmp_path_factory.mktemp("models") / "tiny")
