"""The SDK's public surface is pinned, and importing it stays light: no server dependencies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import tracehouse.sdk
from tracehouse import sdk

PUBLIC = {
    "Checkpoint",
    "ConfigurationError",
    "DatasetItem",
    "ExperimentResult",
    "Memory",
    "MemoryEntry",
    "MemorySearch",
    "Observation",
    "Prompt",
    "Skill",
    "Tracehouse",
    "TracehouseError",
    "checkpoint",
    "configure",
    "current_observation",
    "feedback",
    "flush",
    "generation",
    "get_client",
    "get_prompt",
    "get_skill",
    "observe",
    "restore",
    "run_experiment",
    "score",
    "shutdown",
    "span",
    "start_observation",
    "tool",
    "update_current_observation",
    "update_current_trace",
    "wrap_openai",
}


def test_public_surface_is_pinned() -> None:
    assert set(sdk.__all__) == PUBLIC
    for name in sdk.__all__:
        assert getattr(sdk, name).__module__.startswith("tracehouse.sdk"), name
    here = Path(tracehouse.sdk.__file__).parent
    modules = {p.stem for p in here.glob("*.py")} | {
        p.parent.name for p in here.glob("*/__init__.py")
    }
    assert {m for m in modules if not m.startswith("_")} == {"otel", "langgraph"}


def test_exception_tree() -> None:
    assert issubclass(sdk.ConfigurationError, sdk.TracehouseError)
    assert issubclass(sdk.ConfigurationError, ValueError)
    for bad in ({"sample_rate": 2.0}, {"batch_size": 0}, {"max_queue": 0}, {"max_queue_bytes": 0}):
        try:
            sdk.Tracehouse(api_key="sk-x", **bad)  # type: ignore[arg-type]
        except sdk.ConfigurationError:
            continue
        raise AssertionError(f"{bad} was accepted")


def test_importing_the_sdk_loads_no_server_dependency() -> None:
    code = (
        "import sys, tracehouse.sdk\n"
        "heavy = ('fastapi', 'starlette', 'sqlalchemy', 'pydantic', 'alembic', 'uvicorn',"
        " 'orjson', 'opentelemetry', 'openai', 'httpx')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_tracing_without_a_key_is_a_no_op() -> None:
    code = (
        "import os, sys\n"
        "os.environ.pop('TRACEHOUSE_API_KEY', None)\n"
        "from tracehouse import sdk\n"
        "@sdk.observe\n"
        "def f(x):\n"
        "    sdk.update_current_trace(user_id='u')\n"
        "    return x + 1\n"
        "assert f(1) == 2\n"
        "assert sdk.flush()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'httpx'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert "no API key" in done.stderr
