"""The real `langfuse` SDK's prompt calls, configured only by environment: create (text and
chat, folder name), get by default/label/version, compile, update labels, a missing prompt,
and a generation linked to the prompt it used. Prints what it saw as JSON."""

from __future__ import annotations

import json
from typing import Any

from langfuse import get_client

CHAT = [
    {"role": "system", "content": "You are {{persona}}."},
    {"type": "placeholder", "name": "history"},
    {"role": "user", "content": "{{q}}"},
]


def main() -> None:
    lf = get_client()
    out: dict[str, Any] = {}
    first = lf.create_prompt(
        name="sdk/qa",
        prompt="Answer {{question}} like a {{style}}",
        config={"model": "gpt-4o-mini", "temperature": 0.1},
        labels=["production"],
        tags=["sdk"],
        commit_message="first",
    )
    second = lf.create_prompt(name="sdk/qa", prompt="v2: {{question}}")
    lf.create_prompt(name="sdk-chat", type="chat", prompt=CHAT, labels=["production"])
    out["created"] = [(first.version, first.labels), (second.version, second.labels)]
    production = lf.get_prompt("sdk/qa")
    out["production"] = [production.version, production.config, production.tags]
    out["compiled"] = production.compile(question="why", style="pirate")
    out["latest"] = lf.get_prompt("sdk/qa", label="latest").version
    out["v2"] = lf.get_prompt("sdk/qa", version=2).prompt
    chat = lf.get_prompt("sdk-chat", type="chat")
    out["chat"] = chat.compile(
        persona="a bot", q="hi", history=[{"role": "user", "content": "earlier"}]
    )
    updated = lf.update_prompt(name="sdk/qa", version=2, new_labels=["production"])
    out["updated_labels"] = sorted(updated.labels)
    out["after_update"] = lf.get_prompt("sdk/qa", cache_ttl_seconds=0).version
    try:
        lf.get_prompt("no-such-prompt", max_retries=0)
        out["missing"] = "found?"
    except Exception as exc:
        out["missing"] = type(exc).__name__
    fallback = lf.get_prompt("no-such-prompt", fallback="fb {{x}}", max_retries=0)
    out["fallback"] = fallback.is_fallback
    with lf.start_as_current_observation(
        name="prompted-call", as_type="generation", prompt=production, model="gpt-4o-mini"
    ) as gen:
        gen.update(output="arr", usage_details={"input": 10, "output": 2})
        out["trace"] = lf.get_current_trace_id()
    lf.flush()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
