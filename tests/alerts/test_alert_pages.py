"""The alerts pages over the real app (SQLite and PostgreSQL): add a channel (its signing
secret shown once), send a test, create a rule, evaluate it, see its state and history; a
viewer sees but cannot change."""

from __future__ import annotations

import re

import pytest
from tests.alerts.conftest import Receiver, send_traces
from tests.collab.conftest import member
from tests.conftest import Harness
from tests.ui.conftest import csrf_of, log_in

pytestmark = pytest.mark.anyio


async def _base(ah: Harness) -> str:
    assert (await log_in(ah.client)).status_code == 303
    location = (await ah.client.get("/ui/")).headers["location"]
    match = re.match(r"(/ui/p/[^/]+)/traces", location)
    assert match
    return match.group(1) + "/alerts"


async def test_channel_rule_evaluate_and_history(ah: Harness, receiver: Receiver) -> None:
    base = await _base(ah)
    empty = await ah.client.get(base)
    assert empty.status_code == 200 and "No alert rules yet" in empty.text
    token = csrf_of(empty.text)
    added = await ah.client.post(
        f"{base}/channels",
        data={"csrf_token": token, "name": "ops", "kind": "webhook", "url": f"{receiver.url}/h"},
    )
    assert added.status_code == 303
    shown = await ah.client.get(added.headers["location"])
    assert re.search(r"<code>whsec_[\w-]+</code>", shown.text)
    assert "whsec_" not in (await ah.client.get(base)).text  # once only
    channel_id = re.search(r"/alerts/channels/([^/]+)/test", shown.text)
    assert channel_id
    tested = await ah.client.post(
        f"{base}/channels/{channel_id.group(1)}/test", data={"csrf_token": token}
    )
    assert (
        "Test notification to ops: sent" in (await ah.client.get(tested.headers["location"])).text
    )
    await send_traces(ah, 2, status="error")
    form = {
        "csrf_token": token,
        "name": "errors",
        "metric": "error_rate",
        "critical": "50",
        "window_minutes": "30",
        "cooldown_minutes": "10",
        "comparison": "above",
        "mode": "value",
        "no_data": "ok",
        "f.environment": "",
        f"channel.{channel_id.group(1)}": "on",
        "enabled": "on",
    }
    created = await ah.client.post(f"{base}/rules", data=form)
    assert created.status_code == 303
    rule_url = created.headers["location"]
    evaluated = await ah.client.post(f"{rule_url}/evaluate", data={"csrf_token": token})
    page = (await ah.client.get(evaluated.headers["location"])).text
    assert "Evaluated: the rule is critical." in page
    assert 'id="rule-state">critical' in page and "ops</span>" in page
    assert receiver.requests[-1].json()["type"] == "alert.firing"
    listing = (await ah.client.get(base)).text
    assert "errors</a>" in listing and "window" not in listing.lower().split("rule-list")[0][-5:]
    bad = await ah.client.post(f"{base}/rules", data={**form, "name": "x", "critical": ""})
    assert bad.status_code == 422


async def test_viewer_cannot_change_alerts(ah: Harness) -> None:
    await member(ah, "viewer@example.com", role="viewer")
    base = await _base(ah)
    await ah.client.post(
        "/ui/logout", data={"csrf_token": csrf_of((await ah.client.get(base)).text)}
    )
    assert (await log_in(ah.client, "viewer@example.com", "longenough")).status_code == 303
    page = await ah.client.get(base)
    assert page.status_code == 200 and 'id="new-rule"' not in page.text
    refused = await ah.client.post(
        f"{base}/channels",
        data={
            "csrf_token": csrf_of(page.text),
            "name": "x",
            "kind": "slack",
            "url": "https://x.y/z",
        },
    )
    assert refused.status_code == 403
