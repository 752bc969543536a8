"""The audit log page under Settings: changes made in the web UI are recorded with the person
as actor, browsed and filtered there; members who are not admins are refused."""

from __future__ import annotations

import httpx
import pytest
from tests.conftest import ADMIN_EMAIL, Harness
from tests.ui.conftest import csrf_of, log_in
from tests.ui.test_prompts import _project_id

pytestmark = pytest.mark.anyio


async def test_ui_changes_are_listed_and_filtered(th: Harness) -> None:
    await log_in(th.client)
    project_id = await _project_id(th)
    url = f"/ui/p/{project_id}/settings"
    settings_page = (await th.client.get(url)).text
    assert 'id="audit-link"' in settings_page
    token = csrf_of(settings_page)
    await th.client.post(f"{url}/retention", data={"retention_days": "30", "csrf_token": token})
    fields = {"email": "bob@example.com", "password": "bob password", "role": "member"}
    await th.client.post(f"{url}/members", data={**fields, "csrf_token": token})
    await th.client.post(
        f"{url}/members/role",
        data={"email": "bob@example.com", "role": "viewer", "csrf_token": token},
    )
    page = await th.client.get(f"{url}/audit", headers={"User-Agent": "audit-browser"})
    assert page.status_code == 200
    for action in ("project.retention", "member.add", "member.role", "auth.login"):
        assert action in page.text
    assert f"user:{ADMIN_EMAIL}" in page.text
    assert "bob password" not in page.text
    only_roles = (await th.client.get(f"{url}/audit", params={"action": "member.role"})).text
    assert "member.role" in only_roles and "project.retention" not in only_roles
    assert '"role": "viewer"' in only_roles or "&#34;role&#34;: &#34;viewer&#34;" in only_roles


async def test_members_who_are_not_admins_cannot_open_it(th: Harness) -> None:
    await log_in(th.client)
    project_id = await _project_id(th)
    url = f"/ui/p/{project_id}/settings"
    token = csrf_of((await th.client.get(url)).text)
    fields = {"email": "bob@example.com", "password": "bob password", "role": "member"}
    await th.client.post(f"{url}/members", data={**fields, "csrf_token": token})
    transport = th.client._transport  # a second browser, logged in as bob
    async with httpx.AsyncClient(transport=transport, base_url=str(th.client.base_url)) as bob:
        await log_in(bob, "bob@example.com", "bob password")
        refused = await bob.get(f"{url}/audit")
        assert refused.status_code == 403
        assert 'id="audit-link"' not in (await bob.get(url)).text
