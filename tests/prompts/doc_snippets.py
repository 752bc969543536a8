"""Running the `<!-- run -->` Python snippets of a docs page as separate processes, against a
real server, with the environment variables the page tells users to set."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import LiveServer

DOCS = Path(__file__).resolve().parents[2] / "docs"
SNIPPET = re.compile(r"<!-- run -->\n```python\n(?P<code>.*?)```", re.S)


def snippets(page: str) -> list[str]:
    return [m["code"] for m in SNIPPET.finditer((DOCS / page).read_text())]


def run_snippet(code: str, server: LiveServer, tmp_path: Path) -> str:
    """Run one snippet; it must exit 0 (its own asserts check what it shows). Returns stdout."""
    script = tmp_path / "snippet.py"
    script.write_text(code)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "LANGFUSE_"))},
        "TRACEHOUSE_BASE_URL": server.url,
        "TRACEHOUSE_API_KEY": server.secret_key,
        "LANGFUSE_BASE_URL": server.url,
        "LANGFUSE_PUBLIC_KEY": server.public_key,
        "LANGFUSE_SECRET_KEY": server.secret_key,
    }
    done = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Failed to export" not in done.stderr, done.stderr[-3000:]
    return done.stdout
