"""The tapes API on both databases: publish, read without credentials, redaction, visibility,
expiry and view cap, unpublish and re-publish, snapshots outliving their trace, explore."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from tests.conftest import Harness
from tests.tapes.conftest import SECRET, publish, secret_trace

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]


def stranger(th: Harness, address: str = "203.0.113.9") -> httpx.AsyncClient:
    """Another client, from its own address, with no credentials."""
    transport = httpx.ASGITransport(app=th.app, client=(address, 5555))
    return httpx.AsyncClient(transport=transport, base_url="http://tracehouse.test")


async def test_publish_then_read_without_credentials(th: Harness) -> None:
    created = await publish(th, title="Parcel agent", tags=["demo"])
    assert created.status_code == 201, created.text
    tape = created.json()
    assert len(tape["slug"]) == 32 and tape["state"] == "live"  # 128 random bits, hex
    assert tape["url"] == f"/t/{tape['slug']}" and tape["embed_url"] == f"/embed/{tape['slug']}"
    async with stranger(th) as client:
        read = await client.get(f"/api/v1/tapes/{tape['slug']}")
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["title"] == "Parcel agent" and body["tags"] == ["demo"]
    assert [s["name"] for s in body["steps"]] == ["agent", "plan", "track_parcel"]
    assert body["steps"][1]["parent_id"] == "root"
    assert body["steps"][2]["output"] == {"city": "Berlin"}
    assert body["trace"]["cost"] is not None or body["trace"]["usage"]["total_tokens"] == 1100
    # Private by default: ids of people and metadata.
    assert "user_id" not in body["trace"] and "metadata" not in body["steps"][1]
    assert "user-private-7" not in read.text and "trace_id" not in body
    assert read.headers["content-security-policy"] == "frame-ancestors 'none'"


async def test_redaction_leaves_no_trace_of_masked_or_dropped_keys(th: Harness) -> None:
    redaction = {
        "metadata": True,
        "maskKeys": ["api_key"],
        "dropKeys": ["internal_note"],
        "costs": False,
    }
    tape = (await publish(th, redaction=redaction)).json()
    async with stranger(th) as client:
        read = await client.get(f"/api/v1/tapes/{tape['slug']}")
        page = await client.get(f"/t/{tape['slug']}")
        embed = await client.get(f"/embed/{tape['slug']}")
    for text in (read.text, page.text, embed.text):
        assert SECRET not in text
        assert "internal_note" not in text and "drop-me-note" not in text
    body = read.json()
    assert body["trace"]["metadata"] == {"region": "eu", "api_key": "***"}
    assert body["trace"]["input"]["api_key"] == "***"
    assert body["steps"][1]["metadata"] == {"headers": {"api_key": "***"}}
    assert body["trace"]["cost"] is None and body["steps"][1]["cost"] is None


async def test_inputs_outputs_and_ids_follow_the_choices(th: Harness) -> None:
    redaction = {"inputs": False, "outputs": False, "userIds": True}
    tape = (await publish(th, redaction=redaction)).json()
    body = (await th.client.get(f"/api/v1/tapes/{tape['slug']}")).json()
    assert body["trace"]["user_id"] == "user-private-7"
    assert all("input" not in s and "output" not in s for s in body["steps"])
    assert "Where is my parcel?" not in str(body)


async def test_unlisted_reads_by_link_but_stays_out_of_explore(th: Harness) -> None:
    public = (await publish(th, title="Shown")).json()
    unlisted = (await publish(th, visibility="unlisted", title="Hidden")).json()
    async with stranger(th) as client:
        assert (await client.get(f"/api/v1/tapes/{unlisted['slug']}")).status_code == 200
        explore = (await client.get("/api/v1/tapes/explore", params={"sort": "newest"})).json()
    assert [t["slug"] for t in explore["data"]] == [public["slug"]]
    assert explore["meta"]["total_count"] == 1


async def test_organization_tapes_refuse_strangers(th: Harness) -> None:
    tape = (await publish(th, visibility="organization")).json()
    async with stranger(th) as client:
        refused = await client.get(f"/api/v1/tapes/{tape['slug']}")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"
        explore = (await client.get("/api/v1/tapes/explore")).json()
    assert explore["data"] == []
    # Another organization's key is a stranger too; a key of the same organization reads it.
    other = await th.client.post(
        "/api/v1/organizations", json={"name": "Rival"}, headers=await th.admin_token()
    )
    assert other.status_code == 201, other.text
    allowed = await th.client.get(f"/api/v1/tapes/{tape['slug']}", headers=th.auth)
    assert allowed.status_code == 200


async def test_expired_and_used_up_tapes_are_gone(th: Harness) -> None:
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    refused = await publish(th, expires_at=past)
    assert refused.status_code == 400
    deadline = datetime.now(UTC) + timedelta(seconds=4)
    short = (await publish(th, expires_at=deadline.isoformat())).json()
    assert (await th.client.get(f"/api/v1/tapes/{short['slug']}")).status_code == 200
    capped = (await publish(th, max_views=2)).json()
    for address in ("198.51.100.1", "198.51.100.2"):
        async with stranger(th, address) as client:
            assert (await client.get(f"/api/v1/tapes/{capped['slug']}")).status_code == 200
            # The same visitor again the same day: not a new view, still let in.
            assert (await client.get(f"/api/v1/tapes/{capped['slug']}")).status_code == 200
    async with stranger(th, "198.51.100.3") as client:
        third = await client.get(f"/api/v1/tapes/{capped['slug']}")
    assert third.status_code == 410 and third.json()["error"]["code"] == "gone"
    listed = (await th.client.get("/api/v1/tapes", headers=th.auth)).json()["data"]
    assert {t["slug"]: t["view_count"] for t in listed}[capped["slug"]] == 2
    await asyncio.sleep(max(0.0, (deadline - datetime.now(UTC)).total_seconds()) + 0.1)
    assert (await th.client.get(f"/api/v1/tapes/{short['slug']}")).status_code == 410


async def test_unpublish_answers_gone_and_republish_brings_it_back(th: Harness) -> None:
    tape = (await publish(th, slug="parcel-demo")).json()
    assert tape["slug"] == "parcel-demo"
    gone = await th.client.delete("/api/v1/tapes/parcel-demo", headers=th.auth)
    assert gone.status_code == 204
    read = await th.client.get("/api/v1/tapes/parcel-demo")
    assert read.status_code == 410
    assert (await th.client.get("/t/parcel-demo")).status_code == 410
    again = await publish(th, slug="parcel-demo", title="Again")
    assert again.status_code == 201 and again.json()["state"] == "live"
    assert (await th.client.get("/api/v1/tapes/parcel-demo")).json()["title"] == "Again"


async def test_the_tape_still_plays_after_its_trace_is_deleted(th: Harness) -> None:
    tape = (await publish(th)).json()
    before = (await th.client.get(f"/api/v1/tapes/{tape['slug']}")).json()
    deleted = await th.client.delete("/api/v1/traces/tape-trace", headers=th.auth)
    assert deleted.status_code == 204
    after = await th.client.get(f"/api/v1/tapes/{tape['slug']}")
    assert after.status_code == 200 and after.json() == before
    assert (await th.client.get(f"/embed/{tape['slug']}")).status_code == 200


async def test_later_writes_do_not_change_the_snapshot(th: Harness) -> None:
    tape = (await publish(th)).json()
    changed = {**secret_trace(), "output": "It is in Paris now."}
    assert (await th.client.post("/api/v1/traces", json=changed, headers=th.auth)).is_success
    body = (await th.client.get(f"/api/v1/tapes/{tape['slug']}")).json()
    assert body["trace"]["output"] == "It is in Berlin."


async def test_another_projects_trace_cannot_be_published(th: Harness) -> None:
    _, other_auth = await th.new_project("other")
    sent = await th.client.post("/api/v1/traces", json=secret_trace("theirs"), headers=other_auth)
    assert sent.status_code == 201
    refused = await th.client.post("/api/v1/tapes", json={"trace_id": "theirs"}, headers=th.auth)
    assert refused.status_code == 404
    mine = (await publish(th, slug="taken-slug")).json()
    # Nor may another project take over (re-publish) this project's slug.
    sent = await th.client.post(
        "/api/v1/tapes", json={"trace_id": "theirs", "slug": mine["slug"]}, headers=other_auth
    )
    assert sent.status_code == 409
    assert (
        await th.client.delete("/api/v1/tapes/taken-slug", headers=other_auth)
    ).status_code == 404


async def test_etag_answers_304(th: Harness) -> None:
    tape = (await publish(th)).json()
    first = await th.client.get(f"/api/v1/tapes/{tape['slug']}")
    etag = first.headers["etag"]
    again = await th.client.get(f"/api/v1/tapes/{tape['slug']}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


async def test_explore_sorts_and_filters(th: Harness) -> None:
    quiet = (await publish(th, title="quiet", tags=["rag"])).json()
    loud = (await publish(th, title="loud", tags=["agents"])).json()
    for n in range(3):
        async with stranger(th, f"192.0.2.{n}") as client:
            await client.get(f"/api/v1/tapes/{loud['slug']}")
    admin = await th.admin_token()
    featured = await th.client.put(
        f"/api/v1/tapes/{quiet['slug']}/featured", json={"featured": True}, headers=admin
    )
    assert featured.status_code == 200 and featured.json()["featured"] is True
    refused = await th.client.put(
        f"/api/v1/tapes/{quiet['slug']}/featured", json={"featured": True}, headers=th.auth
    )
    assert refused.status_code in (401, 403)

    async def titles(**params: object) -> list[str]:
        body = (await th.client.get("/api/v1/tapes/explore", params=params)).json()
        return [t["title"] for t in body["data"]]

    assert await titles(sort="newest") == ["loud", "quiet"]
    assert await titles(sort="popular") == ["loud", "quiet"]
    assert await titles(sort="trending") == ["loud", "quiet"]
    assert await titles(tag="rag") == ["quiet"]
    assert await titles(featured="true") == ["quiet"]
    assert await titles(sort="newest", limit=1, offset=1) == ["quiet"]
    bad = await th.client.get("/api/v1/tapes/explore", params={"sort": "random"})
    assert bad.status_code == 422


async def test_the_projects_list_needs_its_key(th: Harness) -> None:
    listed = await th.client.get("/api/v1/tapes", headers=th.auth)
    assert listed.status_code == 200 and listed.json()["data"] == []
    assert (await th.client.get("/api/v1/tapes")).status_code == 401


async def test_republish_takes_a_fresh_copy_with_the_same_choices(th: Harness) -> None:
    tape = (await publish(th, redaction={"metadata": True, "maskKeys": ["api_key"]})).json()
    await th.client.delete(f"/api/v1/tapes/{tape['slug']}", headers=th.auth)
    changed = {**secret_trace(), "output": "It is in Paris now."}
    assert (await th.client.post("/api/v1/traces", json=changed, headers=th.auth)).is_success
    again = await th.client.post(f"/api/v1/tapes/{tape['slug']}/republish", headers=th.auth)
    assert again.status_code == 200 and again.json()["state"] == "live"
    read = await th.client.get(f"/api/v1/tapes/{tape['slug']}")
    assert read.json()["trace"]["output"] == "It is in Paris now."
    assert read.json()["trace"]["metadata"]["api_key"] == "***" and SECRET not in read.text
    _, other_auth = await th.new_project("other")
    refused = await th.client.post(f"/api/v1/tapes/{tape['slug']}/republish", headers=other_auth)
    assert refused.status_code == 404
