"""Every form route of the web UI posted by a person who is a viewer in the project (a member
of its organization): none of them changes anything (no 303 to the result), none fails with a
server error; the same forms work for a member."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.collab.conftest import member
from tests.conftest import Harness, make_settings, start
from tests.ui.conftest import csrf_of, log_in

from tracehouse.ui import site

pytestmark = pytest.mark.anyio

#: A viewer's own things: their session, their inbox, previews that store nothing; and comments
#: (viewers may discuss what they read, docs/collaboration.md).
ALLOWED = {
    "/ui/login",
    "/ui/logout",
    "/ui/p/{project_id}/inbox/read",
    "/ui/p/{project_id}/inbox/preferences",
    "/ui/p/{project_id}/inbox/assignments/{assignment_id}/resolve",
    "/ui/p/{project_id}/settings/masking/preview",
    "/ui/p/{project_id}/tapes/preview",
    "/ui/p/{project_id}/comments",
    "/ui/p/{project_id}/traces/{trace_id:path}/comments",
}
FIELDS = {"name": "walk", "email": "walk@example.com", "role": "viewer", "content": "hello"}


def _form_routes() -> list[str]:
    return sorted(
        {
            r.path
            for router in site.ROUTERS
            for r in router.routes
            if "POST" in (getattr(r, "methods", None) or set())
        }
        - ALLOWED
    )


async def _as(th: Harness, email: str) -> tuple[str, str]:
    """Log in as `email`; (the project's base path, a CSRF token)."""
    th.client.cookies.clear()
    assert (await log_in(th.client, email, "longenough")).status_code == 303
    location = (await th.client.get("/ui/")).headers["location"]
    base = re.match(r"(/ui/p/[^/]+)/traces", location)
    assert base
    return base.group(1), csrf_of((await th.client.get(location)).text)


async def test_a_viewer_changes_nothing_through_any_form(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    async for th in start(make_settings("sqlite", tmp_path, request)):
        await th.client.post("/api/v1/traces", json={"id": "run", "name": "r"}, headers=th.auth)
        await member(th, "vic@example.com", role="member")
        await member(th, "meg@example.com", role="member")
        project = (await th.client.get("/api/v1/traces/run", headers=th.auth)).json()
        admin = await th.admin_token()
        projects = (await th.client.get("/api/v1/projects", headers=admin)).json()["data"]
        project_id = next(p["id"] for p in projects if p["name"] == "main")
        put = f"/api/v1/projects/{project_id}/members/vic@example.com"
        assert (await th.client.put(put, json={"role": "viewer"}, headers=admin)).status_code == 200
        base, token = await _as(th, "vic@example.com")
        changed = []
        for route in _form_routes():
            url = re.sub(r"\{[^}]+\}", "run", route).replace("/ui/p/run", base)
            answer = await th.client.post(url, data={"csrf_token": token, **FIELDS})
            assert answer.status_code < 500, (route, answer.status_code, answer.text[:300])
            if answer.status_code in (302, 303):
                changed.append(route)
        assert changed == [], f"a viewer's form went through: {changed}"
        base, token = await _as(th, "meg@example.com")
        made = await th.client.post(f"{base}/datasets", data={"csrf_token": token, "name": "qa"})
        assert made.status_code == 303 and project["id"] == "run"
