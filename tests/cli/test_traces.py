"""`tracehouse traces list|get|tail` against a real server process."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from tests.cli.conftest import (
    BIN,
    agent_trace,
    post_scores,
    post_trace,
    server_env,
    tracehouse,
    unique,
)
from tests.conftest import LiveServer
from tests.server import free_port


@pytest.fixture
def env(live_server: LiveServer) -> dict[str, str]:
    return server_env(live_server.url, live_server.secret_key)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_list_shows_a_table_of_matching_traces(
    live_server: LiveServer, env: dict[str, str], fresh_user: str
) -> None:
    first, second = unique("t"), unique("t")
    post_trace(live_server.url, live_server.secret_key, agent_trace(first, fresh_user))
    post_trace(
        live_server.url,
        live_server.secret_key,
        {"id": second, "name": "other", "userId": fresh_user, "startTime": "2026-11-02T10:00:00Z"},
    )
    result = tracehouse("traces", "list", "--user-id", fresh_user, env=env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "start (UTC)" in lines[0] and "cost" in lines[0]
    row = next(line for line in lines if first in line)
    assert "support-agent" in row and "warning" in row and "1,300" in row
    assert "2026-11-01 10:00:00" in row
    # newest first
    assert result.stdout.index(second) < result.stdout.index(first)
    assert "2 traces" in result.stdout


def test_list_filters_sorts_limits_and_prints_json(
    live_server: LiveServer, env: dict[str, str], fresh_user: str
) -> None:
    ids = [unique("t") for _ in range(3)]
    for index, trace_id in enumerate(ids):
        post_trace(
            live_server.url,
            live_server.secret_key,
            {
                "id": trace_id,
                "name": "batch",
                "userId": fresh_user,
                "tags": ["even"] if index % 2 == 0 else ["odd"],
                "startTime": f"2026-11-0{index + 1}T10:00:00Z",
            },
        )
    result = tracehouse(
        "traces", "list", "--user-id", fresh_user, "--order", "asc", "--json", env=env
    )
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ids
    tagged = tracehouse(
        "traces", "list", "--user-id", fresh_user, "--tag", "even", "--json", env=env
    )
    assert sorted(json.loads(line)["id"] for line in tagged.stdout.splitlines()) == sorted(
        [ids[0], ids[2]]
    )
    limited = tracehouse("traces", "list", "--user-id", fresh_user, "--limit", "1", env=env)
    assert ids[2] in limited.stdout and ids[0] not in limited.stdout
    assert "1 of 3 traces" in limited.stdout
    ranged = tracehouse(
        "traces",
        "list",
        "--user-id",
        fresh_user,
        "--from",
        "2026-11-02T00:00:00Z",
        "--json",
        env=env,
    )
    assert {json.loads(line)["id"] for line in ranged.stdout.splitlines()} == set(ids[1:])
    none = tracehouse("traces", "list", "--user-id", unique("nobody"), env=env)
    assert none.exit_code == 0 and "no traces match" in none.stderr


def test_get_shows_the_tree_with_durations_tokens_cost_errors_and_scores(
    live_server: LiveServer, env: dict[str, str], fresh_user: str
) -> None:
    trace_id = unique("t")
    post_trace(live_server.url, live_server.secret_key, agent_trace(trace_id, fresh_user))
    post_scores(
        live_server.url,
        live_server.secret_key,
        [{"traceId": trace_id, "name": "accuracy", "value": 0.9, "comment": "checked"}],
    )
    result = tracehouse("traces", "get", trace_id, env=env)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"trace {trace_id}" in out and "support-agent" in out
    plan = next(line for line in out.splitlines() if "generation plan" in line)
    assert "gpt-4o" in plan and "1.20 s" in plan and "1,300 tok" in plan and "$0.00" in plan
    lookup = next(line for line in out.splitlines() if "tool track_parcel" in line)
    assert "400 ms" in lookup and "$0.5000" in lookup
    assert "ERROR: carrier API timed out" in lookup
    # the tool and the event hang under the generation: deeper indentation
    assert lookup.index("tool") > plan.index("generation")
    assert "event handoff" in out
    assert "accuracy" in out and "0.9" in out and "checked" in out
    assert "Where is my parcel?" in out  # the input, shortened

    as_json = tracehouse("traces", "get", trace_id, "--json", env=env)
    body = json.loads(as_json.stdout)
    assert body["id"] == trace_id and len(body["observations"]) == 3


def test_errors_are_messages_with_a_non_zero_exit(
    live_server: LiveServer, env: dict[str, str]
) -> None:
    missing = tracehouse("traces", "get", "no-such-trace", env=env)
    assert missing.exit_code == 1
    assert "404 not_found" in missing.stderr and "Traceback" not in missing.output

    bad_key = tracehouse("traces", "list", env={**env, "TRACEHOUSE_API_KEY": "sk-th-wrong"})
    assert bad_key.exit_code == 1
    assert "401 unauthorized" in bad_key.stderr and "TRACEHOUSE_API_KEY" in bad_key.stderr

    no_key = tracehouse("traces", "list", env={"TRACEHOUSE_HOST": live_server.url})
    assert no_key.exit_code == 2 and "--api-key" in no_key.stderr

    bad_time = tracehouse("traces", "list", "--from", "yesterday-ish", env=env)
    assert bad_time.exit_code == 1 and "validation_error" in bad_time.stderr
    assert "from" in bad_time.stderr

    down = f"http://127.0.0.1:{free_port()}"
    unreachable = tracehouse("traces", "list", env={**env, "TRACEHOUSE_BASE_URL": down})
    assert unreachable.exit_code == 1
    assert f"cannot reach the Tracehouse server at {down}" in unreachable.stderr
    assert "Traceback" not in unreachable.output


def test_host_may_be_host_and_port(live_server: LiveServer, env: dict[str, str]) -> None:
    host_port = live_server.url.removeprefix("http://")
    result = tracehouse(
        "traces", "list", "--limit", "1", env={**env, "TRACEHOUSE_BASE_URL": host_port}
    )
    assert result.exit_code == 0, result.output
    port = host_port.rsplit(":", 1)[1]
    result = tracehouse(
        "traces",
        "list",
        "--host",
        "0.0.0.0",
        "--limit",
        "1",
        env={**env, "TRACEHOUSE_PORT": port},
    )
    assert result.exit_code == 0, result.output


def test_the_server_url_variables_in_order(live_server: LiveServer, env: dict[str, str]) -> None:
    """TRACEHOUSE_BASE_URL, else TRACEHOUSE_HOST (older name), else TRACEHOUSE_LISTEN_HOST."""
    down = f"http://127.0.0.1:{free_port()}"
    key = {"TRACEHOUSE_API_KEY": env["TRACEHOUSE_API_KEY"]}
    for variables in (
        {"TRACEHOUSE_BASE_URL": live_server.url, "TRACEHOUSE_HOST": down},
        {"TRACEHOUSE_HOST": live_server.url, "TRACEHOUSE_LISTEN_HOST": down},
        {
            "TRACEHOUSE_LISTEN_HOST": "0.0.0.0",
            "TRACEHOUSE_PORT": live_server.url.rsplit(":", 1)[1],
        },
    ):
        result = tracehouse("traces", "list", "--limit", "1", env={**key, **variables})
        assert result.exit_code == 0, (variables, result.output)
    flag = tracehouse(
        "traces", "list", "--url", live_server.url, env={**env, "TRACEHOUSE_BASE_URL": down}
    )
    assert flag.exit_code == 0, flag.output


def test_tail_follows_new_traces_as_a_real_process(
    live_server: LiveServer, env: dict[str, str], fresh_user: str
) -> None:
    now = datetime.now(UTC)
    before = unique("before")
    post_trace(
        live_server.url,
        live_server.secret_key,
        {"id": before, "name": "old", "userId": fresh_user, "startTime": _iso(now)},
    )
    process = subprocess.Popen(
        [
            str(BIN / "tracehouse"),
            "traces",
            "tail",
            "--user-id",
            fresh_user,
            "--last",
            "1",
            "--max-count",
            "2",
            "--interval",
            "0.2",
            "--timeout",
            "120",
            "--json",
        ],
        env={**_clean_env(), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        # --last 1 shows the newest existing trace once tail has read what is there
        assert json.loads(process.stdout.readline())["id"] == before
        late, new = unique("late"), unique("new")
        # a trace that started earlier but arrives now is still new
        post_trace(
            live_server.url,
            live_server.secret_key,
            {"id": late, "userId": fresh_user, "startTime": _iso(now - timedelta(seconds=30))},
        )
        post_trace(
            live_server.url,
            live_server.secret_key,
            {"id": new, "userId": fresh_user, "startTime": _iso(now + timedelta(seconds=1))},
        )
        out, err = process.communicate(timeout=120)
    finally:
        process.kill() if process.poll() is None else None
    assert process.returncode == 0, err
    shown = [json.loads(line)["id"] for line in out.splitlines()]
    assert sorted(shown) == sorted([late, new])


def test_tail_stops_at_its_timeout_and_prints_lines(
    live_server: LiveServer, env: dict[str, str], fresh_user: str
) -> None:
    trace_id = unique("t")
    post_trace(live_server.url, live_server.secret_key, agent_trace(trace_id, fresh_user))
    result = tracehouse(
        "traces",
        "tail",
        "--user-id",
        fresh_user,
        "--last",
        "5",
        "--timeout",
        "0.5",
        "--interval",
        "0.1",
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert trace_id in result.stdout and "support-agent" in result.stdout
    assert "warning" in result.stdout and "1,300 tok" in result.stdout


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("TRACEHOUSE_")}
