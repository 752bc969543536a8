"""Alert rules against a local webhook receiver and SMTP server: a rule fires once, respects
its cooldown, resolves; no-data policies; signatures verify; retries; test-key data never fires;
bad input and other projects get clear errors."""

from __future__ import annotations

from typing import Any

import pytest
from tests.alerts.conftest import Mailbox, Receiver, recent, send_traces
from tests.conftest import Harness

from tracehouse.alerts.channels import sign

pytestmark = pytest.mark.anyio
BASE = "/api/v1/alerts"


async def _channel(ah: Harness, receiver: Receiver, **fields: Any) -> dict[str, Any]:
    body = {"name": "hook", "kind": "webhook", "url": f"{receiver.url}/hook", **fields}
    answer = await ah.client.post(f"{BASE}/channels", json=body, headers=ah.auth)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def _rule(ah: Harness, **fields: Any) -> dict[str, Any]:
    body = {"name": "errors", "metric": "error_rate", "critical": 20, "cooldown_seconds": 3600}
    answer = await ah.client.post(f"{BASE}/rules", json={**body, **fields}, headers=ah.auth)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def _evaluate(ah: Harness, rule_id: str) -> dict[str, Any]:
    answer = await ah.client.post(f"{BASE}/rules/{rule_id}/evaluate", headers=ah.auth)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_fires_once_respects_cooldown_and_resolves(ah: Harness, receiver: Receiver) -> None:
    channel = await _channel(ah, receiver)
    rule = await _rule(ah, channel_ids=[channel["id"]])
    await send_traces(ah, 3)
    await send_traces(ah, 2, status="error")  # 40 %
    fired = await _evaluate(ah, rule["id"])
    assert (fired["previous_state"], fired["state"]) == ("ok", "critical")
    assert fired["value"] == 40 and fired["notified"] is True
    assert [r.json()["type"] for r in receiver.requests] == ["alert.firing"]
    sent = receiver.requests[0].json()
    assert sent["state"] == "critical" and sent["threshold"] == 20
    assert "/ui/p/" in sent["url"] and "/traces?" in sent["url"]
    again = await _evaluate(ah, rule["id"])  # still critical: nothing new
    assert again["changed"] is False and len(receiver.requests) == 1
    await send_traces(ah, 15)  # 2 of 20 = 10 %
    resolved = await _evaluate(ah, rule["id"])
    assert resolved["state"] == "ok" and resolved["notified"] is True
    assert receiver.requests[-1].json()["type"] == "alert.resolved"
    await send_traces(ah, 10, status="error")  # 12 of 30: fires again within the cooldown
    refired = await _evaluate(ah, rule["id"])
    assert refired["state"] == "critical" and refired["notified"] is False
    assert len(receiver.requests) == 2
    history = (await ah.client.get(f"{BASE}/rules/{rule['id']}/history", headers=ah.auth)).json()
    changes = [(e["from_state"], e["to_state"], e["notified"]) for e in history["data"]]
    assert changes == [
        ("ok", "critical", False),
        ("critical", "ok", True),
        ("ok", "critical", True),
    ]
    assert history["data"][2]["deliveries"][0]["ok"] is True


async def test_signature_verifies_with_the_secret_shown_once(
    ah: Harness, receiver: Receiver
) -> None:
    channel = await _channel(ah, receiver)
    secret = channel["signing_secret"]
    assert secret.startswith("whsec_")
    shown = (await ah.client.get(f"{BASE}/channels/{channel['id']}", headers=ah.auth)).json()
    assert "signing_secret" not in shown and receiver.url not in str(shown)
    assert shown["target"] == receiver.url.removeprefix("http://")
    tested = await ah.client.post(f"{BASE}/channels/{channel['id']}/test", headers=ah.auth)
    assert tested.status_code == 200 and tested.json()["ok"] is True
    got = receiver.requests[0]
    stamp = got.headers["X-Tracehouse-Timestamp"]
    assert got.headers["X-Tracehouse-Signature"] == sign(secret, stamp, got.body)
    assert got.headers["X-Tracehouse-Signature"] != sign("whsec_forged", stamp, got.body)
    assert got.json()["type"] == "alert.test"


async def test_webhook_retries_with_back_off(ah: Harness, receiver: Receiver) -> None:
    channel = await _channel(ah, receiver)
    receiver.statuses = [503, 500]
    tested = (await ah.client.post(f"{BASE}/channels/{channel['id']}/test", headers=ah.auth)).json()
    assert tested["ok"] is True and tested["attempts"] == 3
    receiver.statuses = [404]
    refused = (
        await ah.client.post(f"{BASE}/channels/{channel['id']}/test", headers=ah.auth)
    ).json()
    assert refused["ok"] is False and refused["attempts"] == 1 and refused["error"] == "HTTP 404"
    assert len(receiver.requests) == 4


async def test_no_data_policies(ah: Harness) -> None:
    states = {}
    for policy in ("ok", "critical", "warning"):
        rule = await _rule(ah, name=f"quiet-{policy}", no_data=policy, warning=5)
        states[policy] = (await _evaluate(ah, rule["id"]))["state"]
    assert states == {"ok": "ok", "critical": "critical", "warning": "warning"}
    kept = await _rule(
        ah, name="kept", no_data="keep", metric="trace_volume", comparison="below", critical=1
    )
    assert (await _evaluate(ah, kept["id"]))["state"] == "critical"  # 0 traces is data
    await ah.client.patch(
        f"{BASE}/rules/{kept['id']}",
        json={"metric": "error_rate", "comparison": "above"},
        headers=ah.auth,
    )
    assert (await _evaluate(ah, kept["id"]))["state"] == "critical"  # no data: kept


async def test_slack_and_email_channels(
    ah: Harness, receiver: Receiver, smtp: tuple[int, Mailbox]
) -> None:
    slack = await _channel(ah, receiver, name="slack", kind="slack", url=f"{receiver.url}/T0/B0")
    mail = await ah.client.post(
        f"{BASE}/channels",
        json={"name": "oncall", "kind": "email", "recipients": ["oncall@example.com"]},
        headers=ah.auth,
    )
    rule = await _rule(ah, metric="trace_volume", warning=2, channel_ids=[slack["id"], "oncall"])
    assert rule["channel_ids"] == [slack["id"], mail.json()["id"]]
    await send_traces(ah, 3, environment="production")
    fired = await _evaluate(ah, rule["id"])
    assert fired["state"] == "warning" and all(d["ok"] for d in fired["deliveries"])
    block = receiver.requests[0].json()["blocks"][0]["text"]["text"]
    assert "WARNING: errors" in block and "|View traces>" in block
    envelope = smtp[1].messages[0]
    assert envelope.rcpt_tos == ["oncall@example.com"]
    assert b"Subject: [Tracehouse] WARNING: errors" in envelope.content


async def test_test_key_data_never_fires(ah: Harness, receiver: Receiver) -> None:
    token = await ah.admin_token()
    projects = (await ah.client.get("/api/v1/projects", headers=token)).json()["data"]
    main = next(p for p in projects if p["name"] == "main")
    key = await ah.client.post(
        f"/api/v1/projects/{main['id']}/keys", json={"environment": "test"}, headers=token
    )
    test_auth = {"Authorization": f"Bearer {key.json()['secret_key']}"}
    rule = await _rule(ah, metric="trace_volume", critical=0)
    await send_traces(ah, 5, status="error", auth=test_auth)
    result = await _evaluate(ah, rule["id"])
    assert result["value"] == 0 and result["state"] == "ok"


async def test_score_and_latency_metrics(ah: Harness) -> None:
    for index, value in enumerate((0.2, 0.4, 0.9)):
        body = {"id": f"t{index}", "name": "agent", "timestamp": recent(1)}
        await ah.client.post("/api/v1/traces", json=body, headers=ah.auth)
        score = {"traceId": f"t{index}", "name": "accuracy", "value": value}
        assert (
            await ah.client.post("/api/v1/scores", json=score, headers=ah.auth)
        ).status_code == 201
    low = await _rule(
        ah,
        name="acc",
        metric="score_average",
        score_name="accuracy",
        comparison="below",
        critical=0.6,
    )
    result = await _evaluate(ah, low["id"])
    assert round(result["value"], 3) == 0.5 and result["state"] == "critical"
    missing = await _rule(ah, name="other", metric="score_average", score_name="nope", critical=1)
    assert (await _evaluate(ah, missing["id"]))["value"] is None


async def test_bad_input_and_other_projects(ah: Harness, receiver: Receiver) -> None:
    cases = [
        {"name": "a", "metric": "score_average", "critical": 1},
        {"name": "b", "metric": "error_rate"},
        {"name": "c", "metric": "error_rate", "warning": 10, "critical": 5},
        {"name": "d", "metric": "error_rate", "critical": 5, "channel_ids": ["nope"]},
        {"name": "e", "metric": "mood", "critical": 5},
        {"name": "f", "metric": "error_rate", "critical": 5, "window_seconds": 10},
    ]
    for body in cases:
        answer = await ah.client.post(f"{BASE}/rules", json=body, headers=ah.auth)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["error"]["code"] == "validation_error"
    bad_channel = {"name": "x", "kind": "webhook"}
    assert (
        await ah.client.post(f"{BASE}/channels", json=bad_channel, headers=ah.auth)
    ).status_code == 422
    listed = (await ah.client.get(f"{BASE}/rules", headers=ah.auth)).json()
    assert listed["data"] == []  # nothing written
    channel = await _channel(ah, receiver)
    rule = await _rule(ah, channel_ids=[channel["id"]])
    _, other = await ah.new_project("other")
    for path in (f"rules/{rule['id']}", f"channels/{channel['id']}", f"rules/{rule['id']}/history"):
        assert (await ah.client.get(f"{BASE}/{path}", headers=other)).status_code == 404
    assert (await ah.client.get(f"{BASE}/rules", headers=other)).json()["data"] == []
    stolen = {"name": "s", "metric": "error_rate", "critical": 5, "channel_ids": [channel["id"]]}
    assert (await ah.client.post(f"{BASE}/rules", json=stolen, headers=other)).status_code == 422
    tested = await ah.client.post(f"{BASE}/channels/{channel['id']}/test", headers=other)
    assert tested.status_code == 404 and receiver.requests == []
