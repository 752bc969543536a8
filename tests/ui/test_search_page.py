"""The search page: one box with the trace filters, hits with marked snippets that open the
trace at the span, the index's lag, notes, empty states; the trace list links to it."""

from __future__ import annotations

import re

import pytest
from tests.conftest import Harness
from tests.search.test_search import agent_trace, index, post_traces
from tests.ui.conftest import log_in
from tests.ui.test_prompts import _project_id

pytestmark = pytest.mark.anyio


async def test_hits_open_the_trace_at_the_span(th: Harness) -> None:
    await post_traces(th, agent_trace("t1"), agent_trace("t2", userId="bob"))
    await log_in(th.client)
    project_id = await _project_id(th)
    url = f"/ui/p/{project_id}/search"
    empty = await th.client.get(url)
    assert empty.status_code == 200 and 'id="search-help"' in empty.text
    assert 'aria-current="page">Search<' in empty.text
    lagging = (await th.client.get(url, params={"query": "quokka"})).text
    assert 'id="no-match"' in lagging and "behind" in lagging
    index(th)
    page = (await th.client.get(url, params={"query": "gateway refused", "mode": "keyword"})).text
    hrefs = re.findall(r'<li class="hit" data-href="([^"]+)"', page)
    assert sorted(hrefs) == [
        f"/ui/p/{project_id}/traces/t1#t1-fail",
        f"/ui/p/{project_id}/traces/t2#t2-fail",
    ]
    assert "<mark>gateway</mark> <mark>refused</mark>" in page
    assert "up to date" in page
    filtered = (await th.client.get(url, params={"query": "quokka", "user_id": "bob"})).text
    assert re.findall(r'data-href="[^"]+/traces/([^"#]+)#', filtered) == ["t2"]
    assert "No embedder is configured" in filtered  # hybrid by default: the note says why
    bad = (await th.client.get(url, params={"query": "x", "from": "soon"})).text
    assert "Check these fields: from" in bad
    listed = (await th.client.get(f"/ui/p/{project_id}/traces", params={"q": "quokka"})).text
    assert f'href="/ui/p/{project_id}/search?query=quokka"' in listed


async def test_other_projects_search_pages_are_not_found(th: Harness) -> None:
    await log_in(th.client)
    page = await th.client.get("/ui/p/no-such-project/search", params={"query": "x"})
    assert page.status_code == 404
