"""A real `tracehouse serve` process: first start, headless init, and durability under SIGKILL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from tests.server import free_port, start_server

pytestmark = pytest.mark.slow

INIT = {
    "TRACEHOUSE_INIT_ORG_NAME": "Robots",
    "TRACEHOUSE_INIT_PROJECT_NAME": "factory",
    "TRACEHOUSE_INIT_USER_EMAIL": "ops@example.com",
    "TRACEHOUSE_INIT_USER_PASSWORD": "s3cret-pass",
    "TRACEHOUSE_INIT_PUBLIC_KEY": "pk-th-known",
    "TRACEHOUSE_INIT_SECRET_KEY": "sk-th-known-secret-of-32-characters",
}


def test_first_start_prints_admin_and_keys_once(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", migrated=False)
    try:
        out = server.output()
        assert f"running at http://127.0.0.1:{server.port}" in out
        secrets = re.findall(r"(live|test) key: public (\S+)  secret (\S+)", out)
        assert [s[0] for s in secrets] == ["live", "test"]
        password = re.search(r"admin login: (\S+) / (\S+)", out)
        assert password is not None
        live_secret = secrets[0][2]
        auth = {"Authorization": f"Bearer {live_secret}"}
        sent = httpx.post(
            f"{server.url}/api/v1/traces", json={"id": "hello", "name": "first"}, headers=auth
        )
        assert sent.status_code == 201
        login = httpx.post(
            f"{server.url}/api/v1/auth/login",
            json={"email": password.group(1), "password": password.group(2)},
        )
        assert login.status_code == 200
        assert (tmp_path / "data" / "tracehouse.db").exists()
    finally:
        server.stop()
    # a second start on the same data directory creates nothing and prints no secret
    again = start_server(tmp_path / "data", port=server.port, migrated=False)
    try:
        second_output = again.output().split("running at")[-1]
        assert "secret" not in second_output
        got = httpx.get(f"{again.url}/api/v1/traces/hello", headers=auth)
        assert got.json()["name"] == "first"
    finally:
        again.stop()


def test_headless_init_credentials(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", env=INIT, migrated=False)
    try:
        basic = httpx.get(
            f"{server.url}/api/v1/traces",
            auth=("pk-th-known", "sk-th-known-secret-of-32-characters"),
        )
        assert basic.status_code == 200
        login = httpx.post(
            f"{server.url}/api/v1/auth/login",
            json={"email": "ops@example.com", "password": "s3cret-pass"},
        )
        token = {"Authorization": f"Bearer {login.json()['token']}"}
        projects = httpx.get(f"{server.url}/api/v1/projects", headers=token).json()["data"]
        assert [p["name"] for p in projects] == ["factory"]
        assert "sk-th-known-secret-of-32-characters" not in server.output()
    finally:
        server.stop()


def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    """Four clients send batches; the server is SIGKILLed mid-stream; every observation whose
    request got a 2xx is there after a restart."""
    data = tmp_path / "data"
    server = start_server(data, env=INIT, migrated=False)
    auth = {"Authorization": "Bearer sk-th-known-secret-of-32-characters"}
    acknowledged: list[list[str]] = [[] for _ in range(4)]
    stop = threading.Event()

    def client(n: int) -> None:
        with httpx.Client(base_url=server.url, headers=auth, timeout=10) as http:
            batch = 0
            while not stop.is_set():
                ids = [f"c{n}-b{batch}-o{i}" for i in range(50)]
                body = {
                    "id": f"c{n}-b{batch}",
                    "observations": [{"id": oid, "type": "span"} for oid in ids],
                }
                try:
                    response = http.post("/api/v1/traces", json=body)
                except httpx.HTTPError:
                    return
                if response.status_code == 201:
                    acknowledged[n].extend(ids)
                batch += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=15)
    acked = {oid for ids in acknowledged for oid in ids}
    assert len(acked) > 500, "the clients should have had many batches acknowledged"

    restarted = start_server(data, env=INIT, migrated=False)
    try:
        with httpx.Client(base_url=restarted.url, headers=auth, timeout=30) as http:
            total = http.get("/api/v1/observations", params={"limit": 1}).json()["meta"][
                "total_count"
            ]
            assert total >= len(acked)
            stored: set[str] = set()
            cursor = None
            while True:
                params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
                page = http.get("/api/v1/observations", params=params).json()
                stored.update(o["id"] for o in page["data"])
                cursor = page["meta"]["next_cursor"]
                if not cursor:
                    break
        missing = acked - stored
        assert not missing, f"{len(missing)} acknowledged observations lost"
    finally:
        restarted.stop()


def test_first_start_report_comes_last_and_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    """The once-only password and keys follow the migration and start-up logs; Ctrl-C (SIGINT
    to the process group, OTLP workers included) ends the server with status 0, no traceback
    and no leaked-semaphore warning."""
    server = start_server(tmp_path / "data", own_group=True, migrated=False)
    try:
        deadline = time.monotonic() + 30
        while "not shown again" not in server.output() and time.monotonic() < deadline:
            time.sleep(0.1)
        out = server.output()
        report = out.index("Tracehouse is running at")
        for earlier in ("Running upgrade", "Application startup complete", "Uvicorn running"):
            assert out.index(earlier) < report, earlier
        after = out.split("they are not shown again.\n")[1].splitlines()
        assert all(line.startswith("INFO tracehouse.access: GET /health") for line in after)
        assert "beside the database" in out[:report]  # where the encryption key is, said first
    finally:
        code = server.interrupt()
    out = server.output()
    assert code == 0, out
    for noise in ("Traceback", "KeyboardInterrupt", "leaked", "Aborted"):
        assert noise not in out, out
    assert "Finished server process" in out


def test_logs_redact_credentials_and_record_requests(tmp_path: Path) -> None:
    from websockets.sync.client import connect

    server = start_server(tmp_path / "data", env=INIT, migrated=False)
    secret = INIT["TRACEHOUSE_INIT_SECRET_KEY"]
    try:
        url = f"ws://127.0.0.1:{server.port}/ws?key={secret}"
        with connect(url, open_timeout=10) as ws:
            ws.recv(timeout=10)
        sent = httpx.get(
            f"{server.url}/api/v1/traces",
            params={"limit": 1},
            headers={"Authorization": f"Bearer {secret}", "X-Request-ID": "req-42"},
        )
        assert sent.status_code == 200
        time.sleep(0.5)
    finally:
        server.stop()
    out = server.output()
    assert secret not in out
    assert "/ws?key=[redacted]" in out
    assert re.search(r"GET /api/v1/traces 200 [\d.]+ ms request_id=req-42", out), out
    assert "limit=1" not in out  # the access log has no query strings


def test_make_serve_stops_on_ctrl_c_without_a_make_error(tmp_path: Path) -> None:
    """`make serve` as a terminal runs it (make, its shell and the server in one process group);
    Ctrl-C sends SIGINT to all of them."""
    root = Path(__file__).resolve().parent.parent
    stamp = tmp_path / "installed"
    stamp.touch()  # newer than pyproject.toml: make installs nothing
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TRACEHOUSE_")},
        "TRACEHOUSE_DATA_DIR": str(tmp_path / "data"),
        "TRACEHOUSE_PORT": str(port),
    }
    log = (tmp_path / "make.log").open("w")
    make = subprocess.Popen(
        ["make", "--no-print-directory", "-C", str(root), "serve",
         f"VENV={Path(sys.executable).parent.parent}", f"STAMP={stamp}"],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "not shown again" not in (tmp_path / "make.log").read_text():
            assert make.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        os.killpg(make.pid, signal.SIGINT)
        code = make.wait(timeout=30)
    out = (tmp_path / "make.log").read_text()
    assert code in (0, -signal.SIGINT), out  # make ends itself by the signal it got
    for noise in ("make: ***", "Error", "Traceback", "KeyboardInterrupt", "leaked"):
        assert noise not in out, out
