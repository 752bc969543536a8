"""The users page: end users from their traces (traces, sessions, tokens, cost, last seen, error
rate), one user's traces, the empty state."""

from __future__ import annotations

import re

import pytest
from tests.conftest import Harness
from tests.ui.conftest import log_in
from tests.ui.test_pages import _seed
from tests.ui.test_prompts import _project_id

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]


async def test_an_empty_project_says_how_users_appear(th: Harness) -> None:
    await log_in(th.client)
    page = await th.client.get(f"/ui/p/{await _project_id(th)}/users")
    assert page.status_code == 200
    assert 'id="no-users"' in page.text and "user_id" in page.text
    assert 'aria-current="page">Users<' in page.text


async def test_users_with_their_totals_and_one_users_traces(th: Harness) -> None:
    await _seed(th)  # user-0: traces 0 and 2; user-1: trace 1 (an error)
    await log_in(th.client)
    project_id = await _project_id(th)
    url = f"/ui/p/{project_id}/users"
    page = (await th.client.get(url)).text
    rows = dict(re.findall(r'data-id="(user-\d)".*?<td class="num">(\d+)</td>', page, re.S))
    assert rows == {"user-0": "2", "user-1": "1"}
    assert 'class="badge error">100%' in page  # user-1's only trace failed
    assert f'data-href="{url}/user-0"' in page
    one = await th.client.get(f"{url}/user-0")
    assert one.status_code == 200
    assert set(re.findall(r'data-id="(ui-trace-\d)"', one.text)) == {"ui-trace-0", "ui-trace-2"}
    assert "<h4>Sessions</h4>1" in one.text and "<h4>Error rate</h4>0%" in one.text
    missing = await th.client.get(f"{url}/nobody")
    assert missing.status_code == 404
