"""Project roles in the browser: an admin sets a member's role in one project on the settings
page; that person then only reads there (forms refused), and the role shows."""

from __future__ import annotations

import re

import pytest
from tests.collab.conftest import member
from tests.conftest import Harness
from tests.ui.conftest import csrf_of, log_in

pytestmark = pytest.mark.anyio


async def test_settings_page_sets_a_project_role(th: Harness) -> None:
    await member(th, "ann@example.com", role="member")
    assert (await log_in(th.client)).status_code == 303
    base = re.match(r"(/ui/p/[^/]+)/", (await th.client.get("/ui/")).headers["location"])
    assert base
    settings = await th.client.get(f"{base.group(1)}/settings")
    assert "In this project" in settings.text
    answer = await th.client.post(
        f"{base.group(1)}/settings/members/project-role",
        data={"csrf_token": csrf_of(settings.text), "email": "ann@example.com", "role": "viewer"},
    )
    assert answer.status_code == 303
    shown = (await th.client.get(f"{base.group(1)}/settings")).text
    assert re.search(r'ann@example.com in this project">.*?<option selected>viewer</option>', shown)
    th.client.cookies.clear()
    assert (await log_in(th.client, "ann@example.com", "longenough")).status_code == 303
    page = await th.client.get(f"{base.group(1)}/alerts")
    assert page.status_code == 200 and 'id="new-rule"' not in page.text
    refused = await th.client.post(
        f"{base.group(1)}/settings/members/project-role",
        data={"csrf_token": csrf_of(page.text), "email": "ann@example.com", "role": "admin"},
    )
    assert refused.status_code == 403
