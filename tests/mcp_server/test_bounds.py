"""Size bounds of MCP tool results: long text is cut and marked, pages are cut to a character
budget with a cursor that resumes at the first item left out."""

from __future__ import annotations

import json

from tracehouse.mcp_server import bounds


def test_long_text_is_cut_and_marked_at_any_depth() -> None:
    clipped = bounds.clip({"a": ["x" * 5_000, {"b": "short"}]}, 100)
    assert clipped["a"][0] == "x" * 100 + "… [4900 more characters]"
    assert clipped["a"][1] == {"b": "short"}


def test_a_page_is_cut_to_the_budget_and_the_cursor_resumes_after_it() -> None:
    items = [{"n": n, "text": "y" * 1_500} for n in range(40)]
    asked = bounds.page(None, 40)
    first = bounds.fit(items, asked, total=40)
    assert 0 < len(first["items"]) < 40
    assert len(json.dumps(first)) <= bounds.RESULT_CHARS + 500
    following = bounds.page(first["next_cursor"], 40)
    assert following.offset == len(first["items"])
    rest = bounds.fit(items[following.offset :], following, total=40)
    assert rest["items"][0]["n"] == len(first["items"])


def test_the_last_page_has_no_cursor_and_one_huge_item_still_shows() -> None:
    huge = {f"field{n}": "z" * 10_000 for n in range(20)}
    last = bounds.fit([huge], bounds.page(None, 10), total=1)
    assert len(last["items"]) == 1 and last["next_cursor"] is None
    assert last["items"][0]["field0"].endswith("[8000 more characters]")
    assert bounds.page(None, 10_000).limit == bounds.MAX_LIMIT
