"""Every runnable shell example of docs/cli-guide.md, run in order with bash against a real
server (admin commands on its database, data commands over HTTP); each must succeed and print
what its marker expects."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.cli.conftest import BIN
from tests.conftest import PUBLIC_KEY, SECRET_KEY
from tests.server import start_server

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli-guide.md"
EXAMPLE = re.compile(r"<!-- run: expect=(?P<expect>[^\n]+?) -->\n```bash\n(?P<code>.*?)```", re.S)
EXAMPLES = [(m["expect"], m["code"]) for m in EXAMPLE.finditer(DOC.read_text())]


@dataclass
class Shell:
    env: dict[str, str]
    cwd: Path


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shell]:
    data = tmp_path_factory.mktemp("guide") / "data"
    server = start_server(
        data,
        env={"TRACEHOUSE_INIT_PUBLIC_KEY": PUBLIC_KEY, "TRACEHOUSE_INIT_SECRET_KEY": SECRET_KEY},
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("TRACEHOUSE_")}
    env = {
        **base,
        "PATH": f"{BIN}{os.pathsep}{base.get('PATH', '')}",
        "TRACEHOUSE_BASE_URL": server.url,
        "TRACEHOUSE_API_KEY": SECRET_KEY,
        "TRACEHOUSE_DATA_DIR": str(data),
    }
    try:
        yield Shell(env, tmp_path_factory.mktemp("guide-cwd"))
    finally:
        server.stop()


def test_the_guide_has_runnable_examples_for_every_command() -> None:
    code = "\n".join(code for _, code in EXAMPLES)
    for command in ("projects create", "projects list", "users create",
                    "users reset-password", "keys create",
                    "keys list", "keys revoke", "traces list", "traces get", "traces tail",
                    "export", "import"):  # fmt: skip
        assert f"tracehouse {command}" in code, command


def test_examples_run_in_order(shell: Shell) -> None:
    for expect, code in EXAMPLES:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", code],
            env=shell.env,
            cwd=shell.cwd,
            capture_output=True,
            text=True,
            timeout=120,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"{code}\n---\n{output}"
        assert expect in output, f"{code}\n--- expected {expect!r} in:\n{output}"
        assert "Traceback" not in output
