"""Token usage and cost: which attribute keys carry them, and how usage and cost objects
(Langfuse `usage_details`, OpenAI usage shapes, `cost_details`) become canonical numbers.

Canonical input counts include cache reads and writes; output counts include reasoning
tokens (the inclusive convention genai-prices uses).
"""

from __future__ import annotations

from typing import Any

from tracehouse.records import Cost

# --- usage: canonical field → keys (input includes cache; output includes reasoning) -------------

USAGE_KEYS: dict[str, tuple[str, ...]] = {
    "input_tokens": (
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.prompt_tokens",
        "llm.token_count.prompt",
        "llm.usage.prompt_tokens",
        "ai.usage.inputTokens",
        "ai.usage.promptTokens",
    ),
    "output_tokens": (
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.completion_tokens",
        "llm.token_count.completion",
        "llm.usage.completion_tokens",
        "ai.usage.outputTokens",
        "ai.usage.completionTokens",
    ),
    "total_tokens": (
        "llm.token_count.total",
        "llm.usage.total_tokens",
        "gen_ai.usage.total_tokens",
        "ai.usage.totalTokens",
    ),
    "cache_read_tokens": (
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_read_input_tokens",
        "llm.token_count.prompt_details.cache_read",
        "gen_ai.usage.details.cache_read_tokens",
        "ai.usage.cachedInputTokens",
    ),
    "cache_write_tokens": (
        "gen_ai.usage.cache_creation.input_tokens",
        "gen_ai.usage.cache_creation_input_tokens",
        "llm.token_count.prompt_details.cache_write",
        "gen_ai.usage.details.cache_write_tokens",
    ),
    "reasoning_tokens": (
        "gen_ai.usage.reasoning.output_tokens",
        "gen_ai.usage.reasoning_tokens",
        "llm.usage.reasoning_tokens",
        "llm.token_count.completion_details.reasoning",
        "gen_ai.usage.details.reasoning_tokens",
        "ai.usage.reasoningTokens",
    ),
}
#: Observation types whose usage is their own; on others (agent runs) it is an aggregate of the
#: children, kept in metadata so trace totals do not count it twice.
USAGE_OWNERS = frozenset({"generation", "embedding", "reranker"})
COST_KEYS = {
    "total": ("llm.cost.total", "gen_ai.usage.cost", "operation.cost"),
    "input": ("llm.cost.prompt",),
    "output": ("llm.cost.completion",),
}


#: Where the usage details a Langfuse client gave are kept (the observation's raw
#: `attributes`): Langfuse's API answers them under the keys given, not renamed.
GIVEN_USAGE_KEY = "langfuse.observation.usage_details"
_OPENAI_SHAPES = (
    ("prompt_tokens", "completion_tokens", "total_tokens"),
    ("input_tokens", "output_tokens", "total_tokens"),
)


def openai_usage_shape(details: dict[str, Any]) -> bool:
    """A complete OpenAI usage object (Chat Completions or Responses), which Langfuse renames
    to `input`/`output`/`total`; other usage details keep the keys they were given."""
    return any(all(key in details for key in shape) for shape in _OPENAI_SHAPES)


def given_usage(details: Any) -> dict[str, int] | None:
    """Usage details as Langfuse answers them: the counts under the keys given, with a `total`
    (their sum) when none was given; None for an OpenAI usage object or no counts."""
    if not isinstance(details, dict) or openai_usage_shape(details):
        return None
    counts = {k: n for k, v in details.items() if (n := to_int(v)) is not None}
    if not counts:
        return None
    counts.setdefault("total", sum(counts.values()))
    return counts


def langfuse_usage(details: dict[str, Any]) -> dict[str, int | None]:
    """Langfuse `usage_details`: its `input` excludes cache details; OpenAI shapes are accepted."""
    if "prompt_tokens" in details or "input_tokens" in details:
        prompt = details.get("prompt_tokens_details") or details.get("input_tokens_details") or {}
        completion = (
            details.get("completion_tokens_details") or details.get("output_tokens_details") or {}
        )
        return {
            "input_tokens": to_int(details.get("prompt_tokens", details.get("input_tokens"))),
            "output_tokens": to_int(details.get("completion_tokens", details.get("output_tokens"))),
            "total_tokens": to_int(details.get("total_tokens")),
            "cache_read_tokens": to_int(prompt.get("cached_tokens")),
            "cache_write_tokens": to_int(prompt.get("cache_creation_tokens")),
            "reasoning_tokens": to_int(completion.get("reasoning_tokens")),
        }
    cache_read = _sum_keys(details, ("input_cached_tokens", "input_cache_read", "cache_read"))
    cache_write = _sum_keys(details, ("input_cache_creation", "input_cache_write", "cache_write"))
    extra_input = sum(
        to_int(v) or 0 for k, v in details.items() if k.startswith("input_") and k != "input"
    )
    base_input = to_int(details.get("input"))
    return {
        "input_tokens": None if base_input is None else base_input + extra_input,
        "output_tokens": to_int(details.get("output")),
        "total_tokens": to_int(details.get("total")),
        "cache_read_tokens": cache_read,
        "cache_write_tokens": cache_write,
        "reasoning_tokens": _sum_keys(details, ("output_reasoning_tokens", "output_reasoning")),
    }


def _sum_keys(details: dict[str, Any], keys: tuple[str, ...]) -> int | None:
    found = [to_int(details[k]) for k in keys if k in details]
    values = [v for v in found if v is not None]
    return sum(values) if values else None


def to_int(value: Any) -> int | None:
    """A count from an attribute value (int, float or numeric string); None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def to_float(value: Any) -> float | None:
    """A number from an attribute value; None for booleans and non-numbers."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def cost_from_details(details: dict[str, Any]) -> Cost:
    """Langfuse `cost_details` ({input, output, total, …} in USD); a missing total is the sum."""
    values = {part: to_float(details.get(part)) for part in ("input", "output", "total")}
    if values["total"] is None:
        numbers = [to_float(v) for v in details.values()]
        values["total"] = sum(n for n in numbers if n is not None) or None
    return Cost(values["input"], values["output"], values["total"])
