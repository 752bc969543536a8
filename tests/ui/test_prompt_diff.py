"""The prompt diff: what lines a version becomes, and how two versions line up."""

from __future__ import annotations

from tracehouse.ui.prompt_diff import Side, changed, lines, side_by_side


def test_a_chat_prompt_becomes_role_and_content_lines_then_its_config() -> None:
    prompt = [
        {"role": "system", "content": "Be kind.\nBe brief."},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
    ]
    assert lines(prompt, {"temperature": 0, "model": "m"}) == [
        "[system]",
        "Be kind.",
        "Be brief.",
        "[placeholder: history]",
        "[user]",
        '[{"type": "text", "text": "hi"}]',
        "",
        "# config",
        "{",
        '  "model": "m",',
        '  "temperature": 0',
        "}",
    ]
    assert lines("one\ntwo", None) == ["one", "two"]


def test_changed_lines_sit_side_by_side_and_equal_lines_pair_up() -> None:
    rows = side_by_side(["a", "b", "c"], ["a", "B", "B2", "c"])
    assert [(r.left, r.right) for r in rows] == [
        (Side(1, "a", "equal"), Side(1, "a", "equal")),
        (Side(2, "b", "removed"), Side(2, "B", "added")),
        (Side(), Side(3, "B2", "added")),
        (Side(3, "c", "equal"), Side(4, "c", "equal")),
    ]
    assert changed(rows) == 3
    assert changed(side_by_side(["x"], ["x"])) == 0
    only_removed = side_by_side(["a", "b"], ["a"])
    assert only_removed[1].left.kind == "removed" and only_removed[1].right == Side()
