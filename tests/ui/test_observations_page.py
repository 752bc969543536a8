"""The observations page: spans across traces with type, name, model and level filters, each
row opening its trace at that node; its empty states; paging."""

from __future__ import annotations

import re

import pytest
from tests.conftest import Harness
from tests.ui.conftest import log_in
from tests.ui.test_pages import _seed
from tests.ui.test_prompts import _project_id

pytestmark = [pytest.mark.anyio, pytest.mark.clickhouse]


async def test_an_empty_project_says_how_to_get_observations(th: Harness) -> None:
    await log_in(th.client)
    page = await th.client.get(f"/ui/p/{await _project_id(th)}/observations")
    assert page.status_code == 200
    assert 'id="no-observations"' in page.text
    assert 'aria-current="page">Observations<' in page.text


async def test_observations_across_traces_with_filters_and_links(th: Harness) -> None:
    await _seed(th)
    span = {"id": "ui-trace-9", "observations": [{"id": "s-9", "type": "span", "name": "fetch"}]}
    assert (await th.client.post("/api/v1/traces", json=span, headers=th.auth)).status_code == 201
    await log_in(th.client)
    project_id = await _project_id(th)
    url = f"/ui/p/{project_id}/observations"
    page = (await th.client.get(url)).text
    assert set(re.findall(r'data-id="([^"]+)"', page)) == {
        "ui-obs-0",
        "ui-obs-1",
        "ui-obs-2",
        "s-9",
    }
    assert f'data-href="/ui/p/{project_id}/traces/ui-trace-1#ui-obs-1"' in page
    assert "10 / 5" in page and "gpt-4o" in page
    generations = (await th.client.get(url, params={"type": "generation"})).text
    assert "s-9" not in generations and "ui-obs-2" in generations
    errors = (await th.client.get(url, params={"level": "ERROR", "model": "gpt-4o"})).text
    assert re.findall(r'data-id="([^"]+)"', errors) == ["ui-obs-1"]
    assert 'badge error">ERROR' in errors
    by_name = (await th.client.get(url, params={"name": "fetch", "type": ""})).text
    assert re.findall(r'data-id="([^"]+)"', by_name) == ["s-9"]
    none = (await th.client.get(url, params={"name": "nothing"})).text
    assert 'id="no-match"' in none and 'id="no-observations"' not in none
    paged = (await th.client.get(url, params={"type": "generation", "limit": "1"})).text
    assert "Next page" not in paged  # 50 a page: three generations fit
