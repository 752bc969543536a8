"""Model price cards and the cost of one generation's token usage.

Two sources of prices, tried in order:

1. a project's custom prices (`/api/v1/models`), newest applicable first;
2. the built-in table of the `genai-prices` package (offline, ~2,300 models).

`genai_prices.calc_price` works in `Decimal` through a unit registry and costs ~190 µs a call,
too slow for the ingest path. A card is therefore resolved once per (provider, model, price
period) and its numbers are kept as floats; `compute_cost` is then a handful of float
operations. The rules are those of `genai-prices` (and the tests check them against it):

- input tokens *include* cache reads and cache writes; when the card prices those separately
  they are taken out of the plain input count and charged at their own rate;
- reasoning tokens are a part of output tokens, charged separately only when priced separately;
- a tiered price charges *all* tokens at the rate of the highest tier whose start the total
  input token count exceeds;
- a per-request price (`requests_kcount`) is charged once per generation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from genai_prices import data_snapshot
from genai_prices.types import ModelInfo, ModelPrice, Provider, TieredPrices

from tracehouse.pricing.patterns import compile_pattern
from tracehouse.records import Cost, Usage

#: A price in USD per million units: a flat rate, or a base rate with (start, rate) tiers.
Rate = float | tuple[float, tuple[tuple[int, float], ...]]

#: OpenTelemetry `gen_ai.provider.name` / `gen_ai.system` values → genai-prices provider ids.
PROVIDER_ALIASES = {
    "aws.bedrock": "aws",
    "bedrock": "aws",
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure",
    "azure_openai": "azure",
    "gcp.gemini": "google",
    "gcp.vertex_ai": "google",
    "gcp.gen_ai": "google",
    "vertex_ai": "google",
    "gemini": "google",
    "x_ai": "x-ai",
    "xai": "x-ai",
    "mistral_ai": "mistral",
    "mistralai": "mistral",
    "meta_llama": "meta",
}


@dataclass(frozen=True, slots=True)
class PriceCard:
    """Prices for one model, in USD per million tokens (`None`: not priced separately)."""

    source: str
    model: str
    provider: str | None
    input: Rate | None
    output: Rate | None
    cache_read: Rate | None = None
    cache_write: Rate | None = None
    reasoning: Rate | None = None
    per_request: float | None = None
    match_pattern: str | None = None

    def describe(self) -> dict[str, Any]:
        """The card as JSON for the API."""
        return {
            "source": self.source,
            "model": self.model,
            "provider": self.provider,
            "match_pattern": self.match_pattern,
            "unit": "USD per 1M tokens",
            "input_price": _describe_rate(self.input),
            "output_price": _describe_rate(self.output),
            "cache_read_price": _describe_rate(self.cache_read),
            "cache_write_price": _describe_rate(self.cache_write),
            "reasoning_price": _describe_rate(self.reasoning),
            "price_per_request": self.per_request,
        }


#: Model names whose match a custom price remembers.
_MATCHES_MAX = 1_000


@dataclass(frozen=True, slots=True)
class CustomPrice:
    """A project's own price for models whose name fully matches `match_pattern` (any case,
    RE2 syntax: `patterns`).

    Prices are USD per million tokens. Unset cache prices fall back to the input price and an
    unset reasoning price to the output price. `start_time` (epoch µs) limits the price to
    generations that started at or after it.
    """

    match_pattern: str
    input: float | None = None
    output: float | None = None
    cache_read: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None
    start_time: int | None = None
    _regex: Any = field(init=False, repr=False, compare=False)
    #: model name -> whether the pattern matches it (model names repeat batch after batch).
    _matches: dict[str, bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            regex = compile_pattern(self.match_pattern)
        except ValueError as exc:
            raise ValueError(f"invalid match_pattern {self.match_pattern!r}: {exc}") from exc
        object.__setattr__(self, "_regex", regex)
        object.__setattr__(self, "_matches", {})

    def applies(self, model: str, at_us: int | None) -> bool:
        if self.start_time is not None and at_us is not None and at_us < self.start_time:
            return False
        matched = self._matches.get(model)
        if matched is None:
            if len(self._matches) >= _MATCHES_MAX:  # model names come from clients
                self._matches.clear()
            matched = self._matches[model] = self._regex.fullmatch(model) is not None
        return matched

    def card(self, model: str) -> PriceCard:
        return PriceCard(
            source="custom",
            model=model,
            provider=None,
            input=self.input,
            output=self.output,
            cache_read=self.cache_read,
            cache_write=self.cache_write,
            reasoning=self.reasoning,
            match_pattern=self.match_pattern,
        )


def find_card(
    model: str,
    provider: str | None,
    at_us: int | None,
    custom: Sequence[CustomPrice] = (),
) -> PriceCard | None:
    """The card that prices `model` at `at_us` (epoch µs; `None`: now), or `None` if unknown.

    Custom prices win; among them the one with the latest `start_time` that applies.
    """
    best: CustomPrice | None = None
    for price in custom:
        if price.applies(model, at_us) and (
            best is None or (price.start_time or 0) > (best.start_time or 0)
        ):
            best = price
    if best is not None:
        return best.card(model)
    key = (model, provider)
    if key in _timeless:
        return _timeless[key]
    found = _lookup_model(model.strip().lower(), _provider_id(provider))
    if found is None:
        return _remember(key, None)
    provider_id, info = found
    if isinstance(info.prices, ModelPrice):  # one price for all times
        return _remember(key, _card_for(info.prices, info.id, provider_id))
    when = datetime.now(tz=UTC) if at_us is None else datetime.fromtimestamp(at_us / 1e6, tz=UTC)
    return _card_for(info.get_prices(when), info.id, provider_id)


#: (model, provider) → the card of a model whose price does not depend on the date, or None.
_timeless: dict[tuple[str, str | None], PriceCard | None] = {}
_TIMELESS_MAX = 10_000


def _remember(key: tuple[str, str | None], card: PriceCard | None) -> PriceCard | None:
    if len(_timeless) >= _TIMELESS_MAX:  # model names come from clients: stay bounded
        _timeless.clear()
    _timeless[key] = card
    return card


def compute_cost(
    model: str,
    provider: str | None,
    usage: Usage,
    at_us: int | None,
    custom: Sequence[CustomPrice] = (),
) -> Cost | None:
    """The USD cost of `usage` on `model`, or `None` when no price is known for it."""
    card = find_card(model, provider, at_us, custom)
    if card is None:
        return None
    output_tokens = usage.output_tokens or 0
    input_tokens = usage.input_tokens
    if input_tokens is None:
        input_tokens = max((usage.total_tokens or 0) - output_tokens, 0)
    cache_read = usage.cache_read_tokens or 0
    cache_write = usage.cache_write_tokens or 0
    reasoning = usage.reasoning_tokens or 0
    plain_input = input_tokens
    if card.cache_read is not None:
        plain_input -= cache_read
    if card.cache_write is not None:
        plain_input -= cache_write
    plain_output = output_tokens - reasoning if card.reasoning is not None else output_tokens
    tier_basis = input_tokens
    input_cost = (
        _charge(card.input, max(plain_input, 0), tier_basis)
        + _charge(card.cache_read, cache_read, tier_basis)
        + _charge(card.cache_write, cache_write, tier_basis)
    )
    output_cost = _charge(card.output, max(plain_output, 0), tier_basis) + _charge(
        card.reasoning, reasoning, tier_basis
    )
    total = input_cost + output_cost + (card.per_request or 0.0)
    return Cost(input=input_cost, output=output_cost, total=total)


def _charge(rate: Rate | None, count: int, tier_basis: int) -> float:
    if rate is None or not count:
        return 0.0
    if isinstance(rate, tuple):
        base, tiers = rate
        applicable = base
        for start, tier_rate in reversed(tiers):
            if tier_basis > start:
                applicable = tier_rate
                break
        return applicable * count / 1_000_000
    return rate * count / 1_000_000


def _provider_id(provider: str | None) -> str | None:
    if not provider:
        return None
    key = provider.strip().lower()
    return PROVIDER_ALIASES.get(key, key)


@lru_cache(maxsize=4096)
def _lookup_model(model: str, provider_id: str | None) -> tuple[str, ModelInfo] | None:
    """Find a model in the genai-prices table; tries `vendor/model` names without the prefix."""
    snapshot = data_snapshot.get_snapshot()
    candidates = [model]
    if "/" in model:
        candidates.append(model.rsplit("/", 1)[1])
    for ref in candidates:
        for pid in (provider_id, None) if provider_id else (None,):
            try:
                found: tuple[Provider, ModelInfo] = snapshot.find_provider_model(
                    ref, None, pid, None
                )
            except LookupError:
                continue
            return found[0].id, found[1]
    return None


_cards: dict[tuple[int, str, str], PriceCard] = {}


def _card_for(price: ModelPrice, model_id: str, provider_id: str) -> PriceCard:
    """A float card for a genai-prices `ModelPrice` (these objects live as long as the table)."""
    key = (id(price), model_id, provider_id)
    card = _cards.get(key)
    if card is None:
        values = price.__dict__
        per_kilo_request = _rate(values.get("requests_kcount"))
        card = PriceCard(
            source="genai-prices",
            model=model_id,
            provider=provider_id,
            input=_rate(values.get("input_mtok")),
            output=_rate(values.get("output_mtok")),
            cache_read=_rate(values.get("cache_read_mtok")),
            cache_write=_rate(values.get("cache_write_mtok")),
            reasoning=_rate(values.get("output_reasoning_mtok")),
            per_request=per_kilo_request / 1000 if isinstance(per_kilo_request, float) else None,
        )
        _cards[key] = card
    return card


def _rate(value: Decimal | TieredPrices | None) -> Rate | None:
    if value is None:
        return None
    if isinstance(value, TieredPrices):
        return (float(value.base), tuple((t.start, float(t.price)) for t in value.tiers))
    return float(value)


def _describe_rate(rate: Rate | None) -> Any:
    if isinstance(rate, tuple):
        base, tiers = rate
        return {
            "base": base,
            "tiers": [{"above_input_tokens": start, "price": price} for start, price in tiers],
        }
    return rate
