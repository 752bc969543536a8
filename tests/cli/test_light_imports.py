"""The SDK import path stays light, and the data commands need only click, rich and httpx."""

from __future__ import annotations

import subprocess
import sys


def _loaded_after(statement: str, modules: list[str]) -> list[str]:
    code = f"import sys\n{statement}\nprint(' '.join(m for m in {modules!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.split()


def test_importing_tracehouse_loads_no_cli_library() -> None:
    assert _loaded_after("import tracehouse", ["click", "rich", "tracehouse.cli"]) == []


def test_the_command_line_tool_loads_no_server_library() -> None:
    server = ["sqlalchemy", "pydantic", "fastapi", "uvicorn", "alembic", "tracehouse.config"]
    statement = "from tracehouse.cli.main import main"
    assert _loaded_after(statement, server) == []


def test_help_everywhere_as_a_real_process() -> None:
    for command in (
        [],
        ["traces"],
        ["traces", "tail"],
        ["export"],
        ["import"],
        ["users", "create"],
        ["projects", "list"],
        ["keys", "revoke"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "tracehouse", *command, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("Usage: ")
