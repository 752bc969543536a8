"""Every export is in the audit log: the audit log's own (`audit_log.export`, in the walk) and
traces exported over the API (`trace.export`, which `tracehouse export` announces), with what
was exported and by whom, never a secret; bad announcements are refused and leave no entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.cli.conftest import post_trace, server_env, tracehouse, unique
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, SECRET_KEY, Harness, LiveServer

from tracehouse.keys.secrets import display_prefix

EXPORT = {"format": "csv", "table": "observations", "filters": {"userId": "u-1"}, "count": 3}


async def _entries(th: Harness, action: str) -> list[dict[str, Any]]:
    response = await th.client.get("/api/v1/audit-logs/export", headers=await th.admin_token())
    assert response.status_code == 200, response.text
    return [e for e in response.json() if e["action"] == action]


@pytest.mark.anyio
async def test_a_trace_export_is_recorded_with_what_was_exported(th: Harness) -> None:
    answer = await th.client.post("/api/v1/traces/exports", json=EXPORT, headers=th.auth)
    assert answer.status_code == 201, answer.text
    [entry] = await _entries(th, "trace.export")
    assert entry["actor"] == f"key:{display_prefix(SECRET_KEY)}"
    assert entry["project_id"] == entry["target_id"] and entry["target_type"] == "project"
    assert entry["summary"]["after"] == EXPORT
    assert SECRET_KEY not in str(entry)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [
        {"format": "xml", "count": 1},
        {"format": "csv", "count": -1},
        {"format": "csv", "table": "people", "count": 1},
        {"format": "csv", "count": 1, "filters": {"tags": {"nested": "no"}}},
        {"format": "csv"},
    ],
    ids=["format", "negative-count", "table", "nested-filter", "no-count"],
)
async def test_a_bad_export_announcement_is_refused_and_not_recorded(
    th: Harness, body: dict[str, Any]
) -> None:
    answer = await th.client.post("/api/v1/traces/exports", json=body, headers=th.auth)
    assert answer.status_code == 422, answer.text
    assert await _entries(th, "trace.export") == []


@pytest.mark.anyio
async def test_an_export_needs_a_project_caller(th: Harness) -> None:
    answer = await th.client.post("/api/v1/traces/exports", json=EXPORT)
    assert answer.status_code == 401, answer.text
    assert await _entries(th, "trace.export") == []


def test_the_cli_export_is_recorded(live_server: LiveServer, tmp_path: Path) -> None:
    """`tracehouse export` against a real server: its filters, format and count are logged."""
    user = unique("audited")
    for n in range(2):
        post_trace(
            live_server.url, SECRET_KEY, {"id": unique("ex"), "name": f"t{n}", "userId": user}
        )
    out = tmp_path / "traces.csv"
    env = server_env(live_server.url, SECRET_KEY)
    result = tracehouse("export", "--user-id", user, "-o", str(out), "--quiet", env=env)
    assert result.exit_code == 0, result.output
    login = httpx.post(
        f"{live_server.url}/api/v1/auth/login",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
    )
    token = {"Authorization": f"Bearer {login.json()['token']}"}
    entries = httpx.get(f"{live_server.url}/api/v1/audit-logs/export", headers=token).json()
    mine = [e for e in entries if e["action"] == "trace.export"]
    mine = [e for e in mine if e["summary"]["after"]["filters"].get("user_id") == user]
    assert len(mine) == 1, mine
    after = mine[0]["summary"]["after"]
    assert (after["format"], after["table"], after["count"]) == ("csv", "traces", 2)
