"""Request models of `/api/v1/alerts`: channels and rules."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, HttpUrl, model_validator

from tracehouse.http.schemas import RequestModel

Metric = Literal[
    "trace_volume",
    "error_rate",
    "latency_p50",
    "latency_p95",
    "latency_p99",
    "cost",
    "tokens",
    "score_average",
    "score_share",
    "anomalies",
]
ChannelKind = Literal["webhook", "slack", "email", "pagerduty"]
NoData = Literal["ok", "keep", "warning", "critical"]
Severity = Literal["low", "medium", "high", "critical"]
MAX_WINDOW = 30 * 86_400


class AlertFilter(RequestModel):
    """The traces a rule watches; every given filter must match."""

    name: str | None = Field(None, max_length=200)
    environment: str | None = Field(None, max_length=100)
    release: str | None = Field(None, max_length=200)
    user_id: str | None = Field(None, max_length=200)
    model: str | None = Field(None, max_length=200)
    tags: list[str] = Field(default_factory=list, max_length=20)


class ChannelIn(RequestModel):
    """Where notifications go. `url`: the webhook's or Slack incoming webhook's address, or a
    PagerDuty Events API address (default PagerDuty's); `routing_key`: PagerDuty's integration
    key; `recipients`: e-mail addresses."""

    name: str = Field(min_length=1, max_length=200)
    kind: ChannelKind
    url: HttpUrl | None = None
    routing_key: str | None = Field(None, min_length=1, max_length=200)
    recipients: list[str] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _target(self) -> ChannelIn:
        needs = {"webhook": self.url, "slack": self.url, "pagerduty": self.routing_key}
        if self.kind in needs and needs[self.kind] is None:
            field = "routing_key" if self.kind == "pagerduty" else "url"
            raise ValueError(f"a {self.kind} channel needs `{field}`")
        if self.kind == "email" and not self.recipients:
            raise ValueError("an email channel needs `recipients`")
        if any("@" not in r or len(r) > 320 for r in self.recipients):
            raise ValueError("`recipients` must be e-mail addresses")
        return self


class ChannelPatch(RequestModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    url: HttpUrl | None = None
    routing_key: str | None = Field(None, min_length=1, max_length=200)
    recipients: list[str] | None = Field(None, min_length=1, max_length=50)


class RuleFields(RequestModel):
    """What a rule watches and when it fires (see docs/alerts.md)."""

    description: str | None = Field(None, max_length=2000)
    enabled: bool = True
    score_name: str | None = Field(None, min_length=1, max_length=200)
    category: str | None = Field(None, min_length=1, max_length=200)
    severity: Severity | None = None
    filter: AlertFilter = Field(default_factory=AlertFilter)
    window_seconds: int = Field(3600, ge=60, le=MAX_WINDOW)
    comparison: Literal["above", "below"] = "above"
    mode: Literal["value", "change"] = "value"
    warning: float | None = Field(None, allow_inf_nan=False)
    critical: float | None = Field(None, allow_inf_nan=False)
    no_data: NoData = "ok"
    cooldown_seconds: int = Field(900, ge=0, le=7 * 86_400)
    channel_ids: list[str] = Field(default_factory=list, max_length=20)


class RuleIn(RuleFields):
    name: str = Field(min_length=1, max_length=200)
    metric: Metric


class RulePatch(RequestModel):
    """Any field of a rule; the others keep their values."""

    name: str | None = Field(None, min_length=1, max_length=200)
    metric: Metric | None = None
    description: str | None = Field(None, max_length=2000)
    enabled: bool | None = None
    score_name: str | None = Field(None, min_length=1, max_length=200)
    category: str | None = Field(None, min_length=1, max_length=200)
    severity: Severity | None = None
    filter: AlertFilter | None = None
    window_seconds: int | None = Field(None, ge=60, le=MAX_WINDOW)
    comparison: Literal["above", "below"] | None = None
    mode: Literal["value", "change"] | None = None
    warning: float | None = Field(None, allow_inf_nan=False)
    critical: float | None = Field(None, allow_inf_nan=False)
    no_data: NoData | None = None
    cooldown_seconds: int | None = Field(None, ge=0, le=7 * 86_400)
    channel_ids: list[str] | None = Field(None, max_length=20)
