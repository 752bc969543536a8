"""Mounting the MCP server leaves the host's logging alone (the SDK configures the root logger)."""

from __future__ import annotations

import logging
from pathlib import Path

from tracehouse.app import create_app
from tracehouse.config import Settings


def test_create_app_leaves_root_logging_unconfigured(tmp_path: Path) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers[:] = []
    try:
        create_app(Settings(data_dir=tmp_path / "data"))
        assert root.handlers == []
        assert root.level == level
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
