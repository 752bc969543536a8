"""The PII masking section of the settings page: enable a detector, add a custom pattern,
preview a sample, switch a rule off, delete it; a forged form is refused."""

from __future__ import annotations

import re

import pytest
from tests.conftest import Harness
from tests.ui.conftest import csrf_of, log_in

pytestmark = pytest.mark.anyio


async def test_masking_rules_from_the_settings_page(th: Harness) -> None:
    await log_in(th.client)
    projects = (await th.client.get("/api/v1/projects", headers=await th.admin_token())).json()
    project_id = projects["data"][0]["id"]
    url = f"/ui/p/{project_id}/settings"
    page = await th.client.get(url)
    assert "No masking rules" in page.text
    token = csrf_of(page.text)
    forged = await th.client.post(f"{url}/masking", data={"detector": "email", "csrf_token": "x"})
    assert forged.status_code == 403
    for form in (
        {"detector": "email", "action": "hash"},
        {"detector": "custom", "name": "employee", "pattern": r"EMP-\d{6}", "target": "values"},
    ):
        added = await th.client.post(f"{url}/masking", data={**form, "csrf_token": token})
        assert added.status_code == 303, added.text
    refused = await th.client.post(
        f"{url}/masking",
        data={"detector": "custom", "name": "bad", "pattern": r"(a)\1", "csrf_token": token},
    )
    assert refused.status_code == 422
    sample = "EMP-123456 wrote to jane@example.com"
    preview = await th.client.post(
        f"{url}/masking/preview", data={"text": sample, "csrf_token": token}
    )
    assert preview.status_code == 200
    result = re.search(r'id="masking-result">([^<]+)<', preview.text)
    assert result and result.group(1).startswith("[REDACTED:employee] wrote to [HASH:email:")
    assert "employee: 1" in preview.text
    rule = (await th.client.get("/api/v1/masking-rules", headers=th.auth)).json()["data"][1]
    await th.client.post(f"{url}/masking/{rule['id']}/toggle", data={"csrf_token": token})
    listed = (await th.client.get("/api/v1/masking-rules", headers=th.auth)).json()["data"]
    assert [r["enabled"] for r in listed] == [True, False]
    await th.client.post(f"{url}/masking/{rule['id']}/delete", data={"csrf_token": token})
    listed = (await th.client.get("/api/v1/masking-rules", headers=th.auth)).json()["data"]
    assert [r["name"] for r in listed] == ["email"]
    assert 'id="masking-rules"' in (await th.client.get(url)).text
