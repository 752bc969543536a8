"""Publishing a tape applies the project's PII masking rules to the snapshot (to traces stored
before the rules existed too), and the publish preview shows exactly that."""

from __future__ import annotations

import pytest
from tests.conftest import Harness
from tests.tapes.conftest import secret_trace
from tests.tapes.test_tapes_api import stranger
from tests.ui.conftest import csrf_of, log_in

pytestmark = pytest.mark.anyio
EMAIL = "jane.roe@example.org"


async def _stored_before_rules(th: Harness) -> None:
    trace = secret_trace()
    trace["name"] = f"agent for {EMAIL}"
    trace["input"] = {"question": f"I am {EMAIL}", "card": "4111 1111 1111 1111"}
    trace["observations"][1]["output"] = {"content": f"Mailing {EMAIL}, parcel P-1"}
    trace["observations"][2]["input"] = {"parcel": "P-1", "notify": EMAIL}
    sent = await th.client.post("/api/v1/traces", json=trace, headers=th.auth)
    assert sent.status_code == 201, sent.text
    for rule in (
        {"detector": "email"},
        {"detector": "card", "action": "hash"},
        {"detector": "custom", "name": "parcel", "pattern": r"\bP-\d+\b"},
    ):
        made = await th.client.post("/api/v1/masking-rules", json=rule, headers=th.auth)
        assert made.status_code == 201, made.text


async def test_publishing_applies_the_masking_rules(th: Harness) -> None:
    await _stored_before_rules(th)
    stored = (await th.client.get("/api/v1/traces/tape-trace", headers=th.auth)).json()
    assert EMAIL in stored["name"]  # stored before the rules: kept as it was
    body = {"trace_id": "tape-trace", "visibility": "public", "redaction": {"metadata": True}}
    tape = await th.client.post("/api/v1/tapes", json=body, headers=th.auth)
    assert tape.status_code == 201, tape.text
    slug = tape.json()["slug"]
    async with stranger(th) as client:
        shown = [
            await client.get(path)
            for path in (f"/api/v1/tapes/{slug}", f"/t/{slug}", f"/embed/{slug}")
        ]
    for response in shown:
        assert response.status_code == 200
        assert (
            EMAIL not in response.text
            and "4111" not in response.text
            and "P-1" not in response.text
        )
    public = shown[0].json()
    assert public["trace"]["name"] == "agent for [REDACTED:email]"
    assert public["trace"]["input"]["card"].startswith("[HASH:card:")
    assert public["steps"][2]["input"] == {
        "parcel": "[REDACTED:parcel]",
        "notify": "[REDACTED:email]",
    }
    assert [s["id"] for s in public["steps"]] == ["root", "llm", "tool"]  # ids are kept


async def test_the_publish_preview_shows_the_masking(th: Harness) -> None:
    await _stored_before_rules(th)
    await log_in(th.client)
    projects = (await th.client.get("/api/v1/projects", headers=await th.admin_token())).json()
    pid = projects["data"][0]["id"]
    form = await th.client.get(f"/ui/p/{pid}/tapes/new", params={"trace_id": "tape-trace"})
    fields = {"csrf_token": csrf_of(form.text), "trace_id": "tape-trace", "visibility": "public",
              "inputs": "on", "outputs": "on"}  # fmt: skip
    preview = await th.client.post(f"/ui/p/{pid}/tapes/preview", data=fields)
    assert preview.status_code == 200
    shown = preview.text.split("Preview: exactly what others will see")[1]
    assert EMAIL not in shown and "[REDACTED:email]" in shown and "[REDACTED:parcel]" in shown
