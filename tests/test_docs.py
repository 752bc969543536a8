"""Generated reference pages are current, and the README states the two commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripts.gen_docs import PAGES

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("path", sorted(PAGES))
def test_generated_page_is_current(path: str) -> None:
    assert (ROOT / path).read_text() == PAGES[path](), f"run: python scripts/gen_docs.py ({path})"


def test_readme_starts_with_the_two_commands() -> None:
    top = (ROOT / "README.md").read_text()[:1500]
    assert "make serve" in top
    assert "make test" in top


def test_ci_runs_make_test() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()
