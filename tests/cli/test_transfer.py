"""`tracehouse export` and `import`: a round trip between two real servers, CSV and Parquet
tables, OTLP JSON files, and bad input."""

from __future__ import annotations

import csv
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest
from tests.cli.conftest import (
    agent_trace,
    post_scores,
    post_trace,
    run_process,
    server_env,
    tracehouse,
    unique,
)
from tests.conftest import PUBLIC_KEY, SECRET_KEY, LiveServer
from tests.server import free_port, start_server

# Server-made fields that differ between two servers by nature.
VOLATILE = {"created_at", "updated_at"}


@pytest.fixture(scope="module")
def second_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Another real server with its own, empty database."""
    data = tmp_path_factory.mktemp("second") / "data"
    server = start_server(
        data,
        env={"TRACEHOUSE_INIT_PUBLIC_KEY": PUBLIC_KEY, "TRACEHOUSE_INIT_SECRET_KEY": SECRET_KEY},
    )
    try:
        yield LiveServer(server.url, PUBLIC_KEY, SECRET_KEY)
    finally:
        server.stop()


def _seed(server: LiveServer, user: str) -> list[str]:
    """Three traces of `user` with a tree, usage, computed and reported cost, an error, inputs
    and outputs of several shapes, and scores of every type on traces and observations."""
    ids = [unique("rt") for _ in range(3)]
    post_trace(server.url, server.secret_key, agent_trace(ids[0], user))
    post_trace(
        server.url,
        server.secret_key,
        {
            "id": ids[1],
            "name": "summarise",
            "userId": user,
            "status": "warning",
            "statusMessage": "slow",
            "release": "1.2.3",
            "environment": "staging",
            "input": "plain text ✓",
            "output": ["a", 1, None],
            "startTime": "2026-11-02T10:00:00Z",
            "endTime": "2026-11-02T10:00:05Z",
            "observations": [
                {
                    "id": f"{ids[1]}-llm",
                    "model": "claude-3-5-sonnet",
                    "startTime": "2026-11-02T10:00:00Z",
                    "completionStartTime": "2026-11-02T10:00:00.3Z",
                    "endTime": "2026-11-02T10:00:04Z",
                    "usage": {"input": 5000, "output": 700, "reasoningTokens": 100},
                    "promptName": "summary",
                    "promptVersion": 3,
                    "metadata": {"nested": {"k": [1, 2]}},
                }
            ],
        },
    )
    post_trace(server.url, server.secret_key, {"id": ids[2], "userId": user, "tags": ["bare"]})
    post_scores(
        server.url,
        server.secret_key,
        [
            {"traceId": ids[0], "name": "accuracy", "value": 0.75, "comment": "by hand"},
            {"traceId": ids[0], "name": "label", "value": "good", "source": "annotation"},
            {"observationId": f"{ids[1]}-llm", "traceId": ids[1], "name": "ok", "value": True},
        ],
    )
    feedback = httpx.post(
        f"{server.url}/api/v1/traces/{ids[1]}/feedback",
        json={"value": -1, "comment": "too long"},
        headers=server.auth,
        timeout=10,
    )
    assert feedback.status_code == 201, feedback.text
    return ids


def _comparable(trace: dict[str, Any]) -> dict[str, Any]:
    def clean(item: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in item.items() if k not in VOLATILE}

    return {
        **clean(trace),
        "observations": [clean(o) for o in trace["observations"]],
        "scores": sorted((clean(s) for s in trace["scores"]), key=lambda s: s["id"]),
    }


def test_export_then_import_into_a_fresh_server_keeps_the_data(
    live_server: LiveServer, second_server: LiveServer, tmp_path: Path, fresh_user: str
) -> None:
    ids = _seed(live_server, fresh_user)
    out = tmp_path / "traces.jsonl"
    exported = tracehouse(
        "export", "--user-id", fresh_user, "-o", str(out),
        env=server_env(live_server.url, live_server.secret_key),
    )  # fmt: skip
    assert exported.exit_code == 0, exported.output
    assert f"exported 3 traces to {out}" in exported.stderr
    assert len(out.read_text().splitlines()) == 3

    # the import runs as a real process
    imported = run_process("import", str(out), env=server_env(second_server.url, SECRET_KEY))
    assert imported.returncode == 0, imported.stderr
    assert "imported 3 traces (4 observations, 4 scores)" in imported.stderr

    for trace_id in ids:
        original = live_server.get(f"/api/v1/traces/{trace_id}")
        copy = second_server.get(f"/api/v1/traces/{trace_id}")
        assert _comparable(copy) == _comparable(original)
    first = second_server.get(f"/api/v1/traces/{ids[0]}")
    assert first["tree"][0]["children"] and first["cost"] > 0.5 and first["status"] == "warning"

    again = tracehouse("import", str(out), env=server_env(second_server.url, SECRET_KEY))
    assert again.exit_code == 0, again.output
    listed = second_server.get("/api/v1/traces", user_id=fresh_user)
    assert listed["meta"]["total_count"] == 3  # same ids: updated, not duplicated


def test_round_trip_of_a_large_trace_with_odd_id(
    live_server: LiveServer, second_server: LiveServer, tmp_path: Path
) -> None:
    """More observations than one import request carries; an id that needs URL quoting."""
    trace_id = unique("a?b c#d")
    observations = [
        {"id": f"o{i}", "parentId": f"o{(i - 1) // 2}" if i else None, "name": f"step {i}"}
        for i in range(1100)
    ]
    post_trace(
        live_server.url,
        live_server.secret_key,
        {"id": trace_id, "name": trace_id, "observations": observations},
    )
    shown = tracehouse(
        "traces", "get", trace_id, env=server_env(live_server.url, live_server.secret_key)
    )
    assert shown.exit_code == 0, shown.output
    assert "span step 1099" in shown.stdout
    out = tmp_path / "large.jsonl"
    exported = tracehouse(
        "export", "--name", trace_id, "-o", str(out),
        env=server_env(live_server.url, live_server.secret_key),
    )  # fmt: skip
    assert exported.exit_code == 0, exported.output
    imported = tracehouse("import", str(out), env=server_env(second_server.url, SECRET_KEY))
    assert imported.exit_code == 0, imported.output
    assert "1 trace (1100 observations" in imported.stderr
    quoted = trace_id.replace("?", "%3F").replace(" ", "%20").replace("#", "%23")
    original = live_server.get(f"/api/v1/traces/{quoted}")
    copy = second_server.get(f"/api/v1/traces/{quoted}")
    assert _comparable(copy) == _comparable(original)
    assert len(copy["observations"]) == 1100


def test_export_to_csv_and_parquet_tables(
    live_server: LiveServer, tmp_path: Path, fresh_user: str
) -> None:
    ids = _seed(live_server, fresh_user)
    env = server_env(live_server.url, live_server.secret_key)
    traces_csv = tmp_path / "traces.csv"
    result = tracehouse("export", "--user-id", fresh_user, "-o", str(traces_csv), env=env)
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in csv.DictReader(traces_csv.open())}
    assert set(rows) == set(ids)
    assert rows[ids[0]]["total_tokens"] == "1300" and rows[ids[0]]["status"] == "warning"
    assert json.loads(rows[ids[0]]["input"]) == {"question": "Where is my parcel?"}
    assert float(rows[ids[0]]["cost"]) == pytest.approx(
        live_server.get(f"/api/v1/traces/{ids[0]}")["cost"]
    )

    obs_csv = tmp_path / "obs.txt"
    result = tracehouse(
        "export", "--user-id", fresh_user, "--format", "csv", "--table", "observations",
        "-o", str(obs_csv), "--quiet", env=env,
    )  # fmt: skip
    assert result.exit_code == 0 and result.stderr == ""
    observations = list(csv.DictReader(obs_csv.open()))
    assert len(observations) == 4
    tool = next(o for o in observations if o["name"] == "track_parcel")
    assert tool["level"] == "ERROR" and tool["parent_id"] == f"{ids[0]}-plan"
    assert float(tool["cost_total"]) == 0.5

    scores_parquet = tmp_path / "scores.parquet"
    result = tracehouse(
        "export", "--user-id", fresh_user, "--table", "scores", "-o", str(scores_parquet), env=env
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(scores_parquet)
    assert str(table.schema.field("numeric_value").type) == "double"
    by_name = {row["name"]: row for row in table.to_pylist()}
    assert by_name["accuracy"]["numeric_value"] == 0.75
    assert by_name["label"]["string_value"] == "good"
    assert by_name["feedback"]["source"] == "feedback"

    traces_parquet = tmp_path / "traces.parquet"
    result = tracehouse("export", "--user-id", fresh_user, "-o", str(traces_parquet), env=env)
    assert result.exit_code == 0, result.output
    table = pq.read_table(traces_parquet)
    assert sorted(table.column("id").to_pylist()) == sorted(ids)
    assert str(table.schema.field("total_tokens").type) == "int64"


def test_export_to_standard_output(live_server: LiveServer, fresh_user: str) -> None:
    ids = _seed(live_server, fresh_user)
    env = server_env(live_server.url, live_server.secret_key)
    result = tracehouse("export", "--user-id", fresh_user, "--limit", "2", env=env)
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ids[:2]
    parquet = tracehouse("export", "--format", "parquet", env=env)
    assert parquet.exit_code == 2 and "Parquet needs a file" in parquet.stderr


def _otlp_request(trace_id: str, span_ids: list[str]) -> dict[str, Any]:
    spans = [
        {
            "traceId": trace_id,
            "spanId": span_id,
            "name": "chat gpt-4o",
            "kind": 3,
            "startTimeUnixNano": "1762000000000000000",
            "endTimeUnixNano": "1762000001000000000",
            "attributes": [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "100"}},
                {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 20}},
            ],
        }
        for span_id in span_ids
    ]
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "cli-test"}}]
                },
                "scopeSpans": [{"scope": {"name": "test"}, "spans": spans}],
            }
        ]
    }


def test_import_otlp_json_files(second_server: LiveServer, tmp_path: Path) -> None:
    one, two = secrets.token_hex(16), secrets.token_hex(16)
    single = tmp_path / "request.json"
    single.write_text(json.dumps(_otlp_request(one, [secrets.token_hex(8)]), indent=2))
    lines = tmp_path / "collector.jsonl"
    lines.write_text(
        "\n".join(json.dumps(_otlp_request(two, [secrets.token_hex(8)])) for _ in range(2)) + "\n"
    )
    result = tracehouse(
        "import", str(single), str(lines), env=server_env(second_server.url, SECRET_KEY)
    )
    assert result.exit_code == 0, result.output
    assert "3 OTLP spans" in result.stderr
    trace = second_server.get(f"/api/v1/traces/{one}")
    generation = trace["observations"][0]
    assert generation["model"] == "gpt-4o" and generation["usage"]["input_tokens"] == 100
    assert generation["latency_ms"] == 1000
    assert len(second_server.get(f"/api/v1/traces/{two}")["observations"]) == 2


def test_import_reports_bad_lines_and_keeps_the_good_ones(
    second_server: LiveServer, tmp_path: Path
) -> None:
    good = unique("good")
    bad_span = _otlp_request(secrets.token_hex(16), ["not-hex"])
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"id": good, "name": "kept"}),
                "{not json",
                json.dumps({"name": "no id"}),
                json.dumps({"id": unique("bad"), "observations": [{"type": "nonsense"}]}),
                json.dumps(bad_span),
            ]
        )
    )
    result = tracehouse("import", str(path), env=server_env(second_server.url, SECRET_KEY))
    assert result.exit_code == 1
    assert f"{path}:2: not JSON" in result.stderr
    assert f"{path}:3: neither an exported trace" in result.stderr
    assert f"{path}:4: 422 validation_error" in result.stderr and "type" in result.stderr
    assert f"{path}:5: 1 spans rejected" in result.stderr
    assert (
        "imported 1 trace (0 observations, 0 scores)" in result.stderr
        and "4 failed" in result.stderr
    )
    assert "Traceback" not in result.output
    assert second_server.get(f"/api/v1/traces/{good}")["name"] == "kept"


def test_import_stops_when_the_server_is_unreachable(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"id": "x"}) + "\n" + json.dumps({"id": "y"}) + "\n")
    down = f"http://127.0.0.1:{free_port()}"
    result = tracehouse("import", str(path), env=server_env(down, SECRET_KEY))
    assert result.exit_code == 1
    assert result.stderr.count("cannot reach") == 1 and "Traceback" not in result.output
    missing = tracehouse("import", str(tmp_path / "absent.jsonl"), env=server_env(down, "k"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


def test_export_waits_out_rate_limits(tmp_path: Path) -> None:
    """A server allowing bursts of 2 requests: the export is slowed down, not failed."""
    server = start_server(
        tmp_path / "data",
        env={
            "TRACEHOUSE_INIT_PUBLIC_KEY": PUBLIC_KEY,
            "TRACEHOUSE_INIT_SECRET_KEY": SECRET_KEY,
            "TRACEHOUSE_RATE_LIMITS": json.dumps(
                {"free": [120, 2], "pro": [120, 2], "enterprise": [120, 2]}
            ),
        },
    )
    try:
        ids = [unique("limited") for _ in range(4)]
        out = tmp_path / "limited.jsonl"
        for trace_id in ids:
            result = tracehouse(
                "import", "-", "--quiet", input=json.dumps({"id": trace_id}),
                env=server_env(server.url, SECRET_KEY),
            )  # fmt: skip
            assert result.exit_code == 0, result.output
        result = tracehouse("export", "-o", str(out), env=server_env(server.url, SECRET_KEY))
        assert result.exit_code == 0, result.output
        assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ids
    finally:
        server.stop()
