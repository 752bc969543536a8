"""Tape pages: the public page (Open Graph, the embed code), the framable player, explore, and
in the app "Publish as tape" with its preview and the project's list of tapes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.conftest import Harness, make_settings, start
from tests.tapes.conftest import SECRET, publish
from tests.ui.conftest import csrf_of, log_in

pytestmark = pytest.mark.anyio


async def test_the_tape_page_previews_and_offers_the_embed_code(th: Harness) -> None:
    tape = (await publish(th, title="Parcel <agent>", description="Where the parcel went")).json()
    page = await th.client.get(f"/t/{tape['slug']}")
    assert page.status_code == 200
    html = page.text
    assert '<meta property="og:title" content="Parcel &lt;agent&gt;">' in html
    assert 'og:description" content="Where the parcel went"' in html
    assert f"/embed/{tape['slug']}" in html and "&lt;iframe src=" in html
    assert html.count('class="step-io"') == 4  # the trace, then each step
    assert "track_parcel" in html and "Berlin" in html
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
    again = await th.client.get(
        f"/t/{tape['slug']}", headers={"If-None-Match": page.headers["etag"]}
    )
    assert again.status_code == 304


async def test_only_the_player_may_be_framed(th: Harness) -> None:
    tape = (await publish(th)).json()
    embed = await th.client.get(f"/embed/{tape['slug']}")
    assert embed.status_code == 200
    assert embed.headers["content-security-policy"] == "frame-ancestors *"
    assert "x-frame-options" not in embed.headers
    assert 'data-autoplay="1"' in embed.text and "Powered by" in embed.text
    assert f'href="/t/{tape["slug"]}"' in embed.text
    assert "/ui/static/app.js" not in embed.text  # no app chrome
    for path in ("/explore", "/ui/login", "/api/v1/tapes/explore", "/health"):
        assert (await th.client.get(path)).headers["x-frame-options"] == "DENY", path


async def test_explore_shows_public_tapes_only(th: Harness) -> None:
    await publish(th, title="Open run", tags=["rag"])
    await publish(th, title="Secret run", visibility="unlisted")
    page = await th.client.get("/explore")
    assert page.status_code == 200
    assert "Open run" in page.text and "Secret run" not in page.text
    assert "Open run" not in (await th.client.get("/explore?tag=other")).text


async def test_a_gone_tape_answers_with_a_page(th: Harness) -> None:
    tape = (await publish(th)).json()
    await th.client.delete(f"/api/v1/tapes/{tape['slug']}", headers=th.auth)
    page = await th.client.get(f"/t/{tape['slug']}")
    assert page.status_code == 410 and "text/html" in page.headers["content-type"]
    assert (await th.client.get("/embed/never-was")).status_code == 404


async def test_publish_as_tape_from_the_trace_page(th: Harness) -> None:
    await publish(th)  # sends the trace
    await log_in(th.client)
    projects = (await th.client.get("/api/v1/projects", headers=await th.admin_token())).json()
    pid = projects["data"][0]["id"]
    trace_page = await th.client.get(f"/ui/p/{pid}/traces/tape-trace")
    assert f"/ui/p/{pid}/tapes/new?trace_id=tape-trace" in trace_page.text
    form = await th.client.get(f"/ui/p/{pid}/tapes/new", params={"trace_id": "tape-trace"})
    assert form.status_code == 200 and "Publish as tape" in form.text
    fields = {
        "csrf_token": csrf_of(form.text),
        "trace_id": "tape-trace",
        "title": "From the app",
        "visibility": "public",
        "inputs": "on",
        "metadata": "on",
        "mask_keys": "api_key",
        "drop_keys": "internal_note",
    }
    preview = await th.client.post(f"/ui/p/{pid}/tapes/preview", data=fields)
    assert preview.status_code == 200
    shown = preview.text.split("Preview: exactly what others will see")[1]
    assert SECRET not in shown and "drop-me-note" not in shown and "***" in shown
    assert "Let me check." not in shown  # outputs were left unticked
    done = await th.client.post(f"/ui/p/{pid}/tapes", data=fields)
    assert done.status_code == 303
    slug = re.search(r"published=([0-9a-f]{32})", done.headers["location"]).group(1)
    listing = await th.client.get(f"/ui/p/{pid}/tapes")
    assert "From the app" in listing.text and slug in listing.text
    public = await th.client.get(f"/t/{slug}")
    assert SECRET not in public.text and "Let me check." not in public.text
    gone = await th.client.post(
        f"/ui/p/{pid}/tapes/{slug}/unpublish", data={"csrf_token": csrf_of(listing.text)}
    )
    assert gone.status_code == 303
    assert (await th.client.get(f"/api/v1/tapes/{slug}")).status_code == 410
    listing = await th.client.get(f"/ui/p/{pid}/tapes")
    back = await th.client.post(
        f"/ui/p/{pid}/tapes/{slug}/republish", data={"csrf_token": csrf_of(listing.text)}
    )
    assert back.status_code == 303
    assert (await th.client.get(f"/api/v1/tapes/{slug}")).status_code == 200


@pytest.mark.parametrize("db_kind", ["sqlite", "postgres"])
async def test_public_routes_are_limited_per_client_address(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    settings = make_settings(
        db_kind,
        tmp_path,
        request,
        rate_limits={"enterprise": (6, 3)},
        read_rate_limits={"enterprise": (6, 3)},
    )
    async for th in start(settings):
        from tests.tapes.test_tapes_api import stranger

        tape = (await publish(th)).json()
        async with stranger(th, "198.51.100.7") as client:
            answers = [
                (await client.get(f"/api/v1/tapes/{tape['slug']}")).status_code for _ in range(3)
            ]
            assert answers == [200, 200, 200]
            refused = await client.get(f"/t/{tape['slug']}")
            assert refused.status_code == 429 and "retry-after" in refused.headers
            assert (await client.get("/api/v1/tapes/explore")).status_code == 429
        async with stranger(th, "198.51.100.8") as other:
            assert (await other.get(f"/api/v1/tapes/{tape['slug']}")).status_code == 200


async def test_an_organization_tape_page_needs_a_member_logged_in(th: Harness) -> None:
    tape = (await publish(th, visibility="organization")).json()
    refused = await th.client.get(f"/t/{tape['slug']}")
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    await log_in(th.client)
    page = await th.client.get(f"/t/{tape['slug']}")
    assert page.status_code == 200 and "private" in page.headers["cache-control"]
