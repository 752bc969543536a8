"""What the playground opens with, from the shapes recorded inputs and prompt configs come in."""

from __future__ import annotations

import pytest

from tracehouse.playground.drafts import messages_of, params_of

SHAPES = {
    "text": ("What is the capital?", [{"role": "user", "content": "What is the capital?"}]),
    "json-text": (
        '[{"role": "user", "content": "hi"}]',
        [{"role": "user", "content": "hi"}],
    ),
    "wrapped": (
        {"messages": [{"role": "system", "content": "Be brief."}]},
        [{"role": "system", "content": "Be brief."}],
    ),
    "parts-and-tools": (
        [
            {
                "role": "user",
                "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
            },
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}]},
            {"role": "tool", "content": "sunny"},
            {"type": "placeholder", "name": "history"},
        ],
        [
            {"role": "user", "content": "a\nb"},
            {"role": "assistant", "content": '[{"id": "c1"}]'},
            {"role": "user", "content": "sunny"},
        ],
    ),
    "empty": (None, [{"role": "user", "content": ""}]),
    "object": ({"question": "x"}, [{"role": "user", "content": '{\n  "question": "x"\n}'}]),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_messages_of(shape: str) -> None:
    given, expected = SHAPES[shape]
    assert messages_of(given) == expected


def test_params_of_keeps_what_the_playground_edits() -> None:
    raw = {"temperature": "0.5", "max_completion_tokens": 300, "stop": "END", "seed": 1,
           "top_p": True, "model": "gpt-4o"}  # fmt: skip
    assert params_of(raw) == {"temperature": 0.5, "stop": ["END"], "max_tokens": 300}
    assert params_of(None) == {}
