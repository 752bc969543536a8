"""Start a real `tracehouse serve` process for tests (and stop it)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log_path.read_text()

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def interrupt(self) -> int:
        """Ctrl-C as a terminal sends it: SIGINT to the whole process group (the server and
        its worker processes); returns the exit code."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(
    data_dir: Path,
    env: dict[str, str] | None = None,
    port: int | None = None,
    own_group: bool = False,
    start_timeout: float = 60,
    migrated: bool = True,
) -> ServerProcess:
    """`own_group`: in a process group of its own, as a terminal runs it (see `interrupt`).
    `migrated`: a new SQLite data directory starts from the test process's migrated schema
    (its first start then finds nothing to upgrade: ~3.5 s of migrations less per server);
    False starts from nothing, as a new installation does."""
    port = port or free_port()
    log_path = data_dir.parent / f"server-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    full_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TRACEHOUSE_")},
        "TRACEHOUSE_RETENTION_INTERVAL_SECONDS": "0",
        **(env or {}),
    }
    if migrated and "TRACEHOUSE_DATABASE_URL" not in full_env:
        from tests.conftest import migrate

        from tracehouse.config import Settings

        migrate(Settings(data_dir=data_dir))
    log = log_path.open("a")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tracehouse",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=full_env,
        text=True,
        start_new_session=own_group,
    )
    server = ServerProcess(process, port, log_path)
    deadline = time.monotonic() + start_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not start:\n{server.output()}")
