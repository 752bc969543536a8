"""The skill pages: the list, one skill with its versions and a diff, a label moved by form."""

from __future__ import annotations

import pytest
from tests.conftest import Harness
from tests.skills.test_skills_api import BODY, create
from tests.ui.conftest import csrf_of, log_in
from tests.ui.test_prompts import _project_id

pytestmark = pytest.mark.anyio


async def test_list_skill_page_diff_and_label_move(th: Harness) -> None:
    skill = await create(th, description="How to <b>refund</b>")
    patch = {"body": BODY.replace("Check", "Read"), "commitMessage": "reword"}
    await th.client.patch(f"/api/v1/skills/{skill['id']}", json=patch, headers=th.auth)
    await log_in(th.client)
    project_id = await _project_id(th)
    listing = await th.client.get(f"/ui/p/{project_id}/skills")
    assert listing.status_code == 200 and 'id="skill-list"' in listing.text
    assert "How to &lt;b&gt;refund&lt;/b&gt;" in listing.text  # escaped, never raw HTML
    href = f"/ui/p/{project_id}/skills/{skill['id']}"
    assert href in listing.text
    detail = await th.client.get(href)
    assert detail.status_code == 200
    assert "reword" in detail.text and "2 lines changed" in detail.text
    assert 'class="d-removed"><span class="sign">-</span>Check the policy.' in detail.text
    moved = await th.client.post(
        f"{href}/labels",
        data={"csrf_token": csrf_of(detail.text), "label": "production", "version": "1"},
    )
    assert moved.status_code == 303
    served = (await th.client.get(f"/api/v1/skills/{skill['id']}", headers=th.auth)).json()
    assert (served["version"], served["labels"]) == (1, ["production"])
    other = await th.client.get(f"/ui/p/{project_id}/skills/not-a-skill")
    assert other.status_code == 404
