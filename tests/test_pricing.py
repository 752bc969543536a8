"""The fast cost calculation agrees with `genai_prices.calc_price` and honours custom prices."""

from __future__ import annotations

from datetime import UTC, datetime

import genai_prices
import pytest
from genai_prices import Usage as GenaiUsage

from tracehouse.pricing.catalog import CustomPrice, compute_cost, find_card
from tracehouse.records import Usage

AUG_2025_US = int(datetime(2025, 8, 1, tzinfo=UTC).timestamp() * 1e6)

CASES = [
    # model, provider, input, output, cache_read, cache_write
    ("gpt-4o", "openai", 1000, 100, 200, 0),
    ("gpt-4o-mini", None, 12_345, 678, 0, 0),
    ("claude-sonnet-4-5", "anthropic", 1000, 500, 300, 100),
    ("claude-sonnet-4-5", "anthropic", 250_000, 2000, 10_000, 5000),  # above the 200k tier
    ("gemini-2.5-pro", "gcp.vertex_ai", 300_000, 1000, 0, 0),
    ("o3", "openai", 5000, 7000, 0, 0),
    ("mistral-large-latest", "mistral_ai", 4000, 300, 0, 0),
]


@pytest.mark.parametrize(("model", "provider", "inp", "out", "cread", "cwrite"), CASES)
def test_matches_genai_prices(
    model: str, provider: str | None, inp: int, out: int, cread: int, cwrite: int
) -> None:
    expected = genai_prices.calc_price(
        GenaiUsage(
            input_tokens=inp,
            output_tokens=out,
            cache_read_tokens=cread,
            cache_write_tokens=cwrite,
        ),
        model,
        genai_request_timestamp=datetime.fromtimestamp(AUG_2025_US / 1e6, tz=UTC),
    )
    usage = Usage(
        input_tokens=inp, output_tokens=out, cache_read_tokens=cread, cache_write_tokens=cwrite
    )
    cost = compute_cost(model, provider, usage, AUG_2025_US)
    assert cost is not None
    assert cost.total == pytest.approx(float(expected.total_price), rel=1e-9)
    assert cost.input == pytest.approx(float(expected.input_price), rel=1e-9)
    assert cost.output == pytest.approx(float(expected.output_price), rel=1e-9)


def test_gpt_4o_worked_example() -> None:
    # 800 plain input at $2.50, 200 cached at $1.25, 100 output at $10 (per million).
    usage = Usage(input_tokens=1000, cache_read_tokens=200, output_tokens=100)
    cost = compute_cost("gpt-4o", "openai", usage, AUG_2025_US)
    assert cost is not None
    assert cost.total == pytest.approx(0.00325)


def test_provider_prefix_and_case_are_ignored() -> None:
    usage = Usage(input_tokens=1000, output_tokens=100)
    plain = compute_cost("gpt-4o", None, usage, AUG_2025_US)
    prefixed = compute_cost("OpenAI/GPT-4o", None, usage, AUG_2025_US)
    assert plain is not None and prefixed is not None
    assert prefixed.total == pytest.approx(plain.total)


def test_input_is_derived_from_total() -> None:
    derived = compute_cost("gpt-4o", None, Usage(total_tokens=1100, output_tokens=100), None)
    given = compute_cost("gpt-4o", None, Usage(input_tokens=1000, output_tokens=100), None)
    assert derived is not None and given is not None
    assert derived.total == pytest.approx(given.total)


def test_unknown_model_has_no_price() -> None:
    assert compute_cost("my-own-llm-7b", "acme", Usage(input_tokens=10), None) is None
    assert find_card("my-own-llm-7b", None, None) is None


def test_custom_price_wins_and_newest_start_applies() -> None:
    custom = [
        CustomPrice(match_pattern=r"gpt-4o", input=1.0, output=2.0),
        CustomPrice(match_pattern=r"gpt-4o", input=10.0, output=20.0, start_time=AUG_2025_US),
    ]
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    before = compute_cost("GPT-4o", "openai", usage, AUG_2025_US - 1, custom)
    after = compute_cost("gpt-4o", "openai", usage, AUG_2025_US, custom)
    assert before is not None and after is not None
    assert before.total == pytest.approx(3.0)
    assert after.total == pytest.approx(30.0)
    card = find_card("gpt-4o", None, AUG_2025_US, custom)
    assert card is not None and card.describe()["source"] == "custom"


def test_custom_reasoning_and_cache_prices() -> None:
    custom = [
        CustomPrice(
            match_pattern=r"acme-.*",
            input=1.0,
            output=4.0,
            cache_read=0.1,
            reasoning=8.0,
        )
    ]
    usage = Usage(
        input_tokens=1_000_000,
        cache_read_tokens=500_000,
        output_tokens=1_000_000,
        reasoning_tokens=250_000,
    )
    cost = compute_cost("acme-reasoner", None, usage, None, custom)
    assert cost is not None
    assert cost.input == pytest.approx(0.5 * 1.0 + 0.5 * 0.1)
    assert cost.output == pytest.approx(0.75 * 4.0 + 0.25 * 8.0)
    assert compute_cost("other-model", None, usage, None, custom) is None


def test_custom_pattern_is_matched_whole() -> None:
    custom = [CustomPrice(match_pattern=r"acme", input=1.0, output=1.0)]
    assert find_card("acme-large", None, None, custom) is None


def test_invalid_pattern_is_rejected() -> None:
    with pytest.raises(ValueError, match="match_pattern"):
        CustomPrice(match_pattern="(unclosed", input=1.0)
