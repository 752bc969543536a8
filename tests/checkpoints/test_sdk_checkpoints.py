"""The SDK against a real server: `checkpoint(state, files=...)` inside an observed run saves
a checkpoint on that run's trace (at the current observation), `restore(id)` gives it back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.conftest import LiveServer
from tests.sdk.conftest import read_trace

from tracehouse import sdk


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[sdk.Tracehouse]:
    tracehouse = sdk.configure(
        host=live_server.url, api_key=live_server.secret_key, flush_interval=0.05
    )
    yield tracehouse
    tracehouse.shutdown()


def test_checkpoint_in_a_run_then_restore(live_server: LiveServer, client: sdk.Tracehouse) -> None:
    saved: dict[str, str | None] = {}

    @sdk.observe(name="edit-file")
    def edit() -> None:
        saved["edit"] = sdk.checkpoint(
            {"plan": ["read", "edit"], "done": False},
            files={"app.py": "print('v2')\n", "logo.bin": b"\x89PNG\xff\x00"},
            name="after-edit",
            step=2,
        )

    @sdk.observe(name="coding-agent")
    def run() -> str:
        saved["trace_id"] = sdk.current_observation().trace_id  # type: ignore[union-attr]
        saved["start"] = sdk.checkpoint({"plan": ["read"]}, step=1)
        edit()
        return "ok"

    assert run() == "ok"
    assert sdk.flush()
    assert saved["start"] and saved["edit"]
    back = sdk.restore(saved["edit"])
    assert back.state == {"plan": ["read", "edit"], "done": False}
    assert back.files == {"app.py": "print('v2')\n", "logo.bin": b"\x89PNG\xff\x00"}
    assert back.name == "after-edit" and back.step == 2 and back.trace_id == saved["trace_id"]
    trace = read_trace(live_server, str(saved["trace_id"]))
    assert trace["name"] == "coding-agent"  # the early trace upsert did not rename the run
    listed = live_server.get("/api/v1/checkpoints", trace_id=saved["trace_id"])
    assert [c["step"] for c in listed["data"]] == [1, 2]
    assert listed["data"][1]["observation_id"] == trace["by_name"]["edit-file"]["id"]


def test_checkpoint_outside_a_run_is_none_and_restore_of_unknown_raises(
    client: sdk.Tracehouse,
) -> None:
    assert sdk.checkpoint({"x": 1}) is None
    with pytest.raises(sdk.TracehouseError):
        sdk.restore("no-such-checkpoint")
