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


async def test_a_version_page_shows_its_usage_cost_and_scores(th: Harness) -> None:
    skill = await create(th)
    trace = {
        "id": "used",
        "metadata": {"tracehouse.skill": f"{skill['name']}@1"},
        "observations": [{"id": "g", "type": "generation", "cost": {"total": 0.5}}],
    }
    assert (await th.client.post("/api/v1/traces", json=trace, headers=th.auth)).is_success
    score = {"traceId": "used", "name": "resolved", "value": 1}
    assert (await th.client.post("/api/v1/scores", json=score, headers=th.auth)).is_success
    await log_in(th.client)
    href = f"/ui/p/{await _project_id(th)}/skills/{skill['id']}"
    page = (await th.client.get(href)).text
    assert 'id="usage-traces">1<' in page and 'id="usage-scores"' in page
    assert "resolved" in page and 'id="usage-cost"' in page
    await th.client.patch(f"/api/v1/skills/{skill['id']}", json={"body": "v2"}, headers=th.auth)
    newest = (await th.client.get(href)).text
    assert 'id="no-usage"' in newest and f"{skill['name']}@2" in newest
