"""A failed run and a run with errors in some steps are told apart: a caught tool timeout after
which the agent answered makes its trace `warning` ("has errors"), not `error`, in the trace's
status, the `status` filter, the success rate, the roll-ups and the failure lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.analytics.dataset import T0, Step, Trace, load
from tests.conftest import Harness

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]
MS = timedelta(milliseconds=1)


def run(trace_id: str, *, tool_fails: bool, run_fails: bool, hours: int) -> Trace:
    begin = T0 + timedelta(hours=hours)
    trace = Trace(trace_id, "agent", "u1", "prod", begin, 900.0)
    root = f"{trace_id}-agent"
    trace.steps = [
        Step(root, "agent", "agent", begin, begin + 900 * MS, "ERROR" if run_fails else "DEFAULT"),
        Step(
            f"{trace_id}-tool",
            "search_web",
            "tool",
            begin + 10 * MS,
            begin + 510 * MS,
            "ERROR" if tool_fails else "DEFAULT",
            "TimeoutError: search_web took over 0.5 s" if tool_fails else None,
            parent_id=root,
        ),
    ]
    if not run_fails:
        trace.steps.append(
            Step(
                f"{trace_id}-answer",
                "llm",
                "generation",
                begin + 520 * MS,
                begin + 890 * MS,
                model="gpt-4o-mini",
                input_tokens=50,
                output_tokens=20,
                parent_id=root,
            )
        )
    return trace


RUNS = [
    run("handled", tool_fails=True, run_fails=False, hours=1),
    run("failed", tool_fails=True, run_fails=True, hours=2),
    run("clean", tool_fails=False, run_fails=False, hours=3),
]


async def test_handled_step_error_is_a_warning_not_a_failure(th: Harness) -> None:
    await load(th.client, th.auth, RUNS)
    assert [t.status for t in RUNS] == ["warning", "error", "ok"]

    async def get(path: str, **params: str) -> dict:
        response = await th.client.get(path, params=params, headers=th.auth)
        assert response.status_code == 200, response.text
        body: dict = response.json()
        return body

    handled = await get("/api/v1/traces/handled")
    assert handled["status"] == "warning" and handled["error_count"] == 1
    assert (await get("/api/v1/traces/failed"))["status"] == "error"
    for status, ids in (("error", ["failed"]), ("warning", ["handled"]), ("ok", ["clean"])):
        listed = await get("/api/v1/traces", status=status)
        assert [t["id"] for t in listed["data"]] == ids
    assert [t["id"] for t in (await get("/api/v1/traces", has_error="true"))["data"]] == ["failed"]

    day = {"from": T0.isoformat(), "to": (T0 + timedelta(hours=6)).isoformat()}
    days = {
        "from": (T0 - timedelta(days=3)).isoformat(),
        "to": (T0 + timedelta(days=3)).isoformat(),
    }
    for window in (day, days):  # read from the traces, and from the daily roll-ups
        summary = (await get("/api/v1/analytics", **window))["summary"]
        assert (summary["failed_traces"], summary["warning_traces"]) == (1, 1)
        assert summary["success_rate"] == pytest.approx(200 / 3)
        failures = await get("/api/v1/failures", **window)
        assert [t["id"] for t in failures["failed_traces"]["data"]] == ["failed"]
    recent = (await get("/api/v1/analytics", **day))["recent_failures"]
    assert [t["id"] for t in recent] == ["failed"]
