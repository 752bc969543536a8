"""A known dataset for the analytics tests: its traces as plain Python values (the answers are
computed from these in the tests, independently of the server) and a loader through the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

T0 = datetime(2026, 11, 20, tzinfo=UTC)
HOUR = timedelta(hours=1)
MODELS = ("gpt-4o", "gpt-4o-mini")
NAMES = ("chat", "search", "summarise")


@dataclass
class Step:
    id: str
    name: str
    type: str
    start: datetime
    end: datetime
    level: str = "DEFAULT"
    message: str | None = None
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    parent_id: str | None = None


@dataclass
class Trace:
    id: str
    name: str
    user_id: str
    environment: str
    start: datetime
    latency_ms: float
    steps: list[Step] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """A failed run (`error`) has a top-level step at ERROR; errors below the top level,
        or warnings, make it `warning`."""
        levels = {s.level for s in self.steps}
        if any(s.level == "ERROR" and s.parent_id is None for s in self.steps):
            return "error"
        return "warning" if levels & {"ERROR", "WARNING"} else "ok"

    @property
    def tokens(self) -> int:
        return sum(s.input_tokens + s.output_tokens for s in self.steps)

    @property
    def cost(self) -> float:
        return sum(s.cost for s in self.steps)

    @property
    def retried(self) -> bool:
        failed = [s for s in self.steps if s.level == "ERROR"]
        return any(
            o.id != f.id and o.name == f.name and o.parent_id == f.parent_id and o.start >= f.start
            for f in failed
            for o in self.steps
        )


def make(prefix: str = "t", count: int = 40, start: datetime = T0) -> list[Trace]:
    """`count` traces, one every 37 minutes from `start`; every 7th fails (every 14th is retried),
    every 11th has a warning."""
    out = []
    for i in range(count):
        begin = start + timedelta(minutes=37 * i)
        latency = float((i * 173) % 5000 + 100 + i)
        trace = Trace(
            id=f"{prefix}{i:03d}",
            name=NAMES[i % 3],
            user_id=f"u{i % 4}",
            environment="prod" if i % 2 else "staging",
            start=begin,
            latency_ms=latency,
        )
        end = begin + timedelta(milliseconds=latency)
        model = MODELS[i % 2]
        trace.steps.append(
            Step(
                id=f"{trace.id}-gen",
                name="llm",
                type="generation",
                start=begin,
                end=end,
                model=model,
                input_tokens=100 + 10 * i,
                output_tokens=50 + i,
                cost=0.02 + 0.001 * i if model == "gpt-4o" else 0.0005,
            )
        )
        _add_failures(trace, i, begin)
        out.append(trace)
    return out


def _add_failures(trace: Trace, i: int, begin: datetime) -> None:
    if i % 7 == 0:
        message = f"Timeout after {30 + i} s calling 'api-{i}' (request req{i * 7919 + 100000:x})"
        if i % 3 == 0:
            message = f'Rate limit 429 for key "sk-{i}" on tool search_web'
        trace.steps.append(
            Step(
                id=f"{trace.id}-tool",
                name="search_web",
                type="tool",
                start=begin + timedelta(milliseconds=10),
                end=begin + timedelta(milliseconds=20),
                level="ERROR",
                message=message,
            )
        )
        if i % 14 == 0:
            trace.steps.append(
                Step(
                    id=f"{trace.id}-tool-retry",
                    name="search_web",
                    type="tool",
                    start=begin + timedelta(milliseconds=30),
                    end=begin + timedelta(milliseconds=40),
                )
            )
    if i % 11 == 5:
        trace.steps.append(
            Step(
                id=f"{trace.id}-guard",
                name="guard",
                type="guardrail",
                start=begin + timedelta(milliseconds=5),
                end=begin + timedelta(milliseconds=6),
                level="WARNING",
                message="content flagged",
            )
        )


def step_body(step: Step) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": step.id,
        "name": step.name,
        "type": step.type,
        "start_time": step.start.isoformat(),
        "end_time": step.end.isoformat(),
        "level": step.level,
        "status_message": step.message,
        "parent_id": step.parent_id,
    }
    if step.model:
        body["model"] = step.model
        body["usage"] = {"input_tokens": step.input_tokens, "output_tokens": step.output_tokens}
        body["cost"] = {"total": step.cost}
    return body


async def load(client: httpx.AsyncClient, auth: dict[str, str], traces: list[Trace]) -> None:
    for trace in traces:
        body = {
            "id": trace.id,
            "name": trace.name,
            "user_id": trace.user_id,
            "environment": trace.environment,
            "start_time": trace.start.isoformat(),
            "end_time": (trace.start + timedelta(milliseconds=trace.latency_ms)).isoformat(),
            "observations": [step_body(s) for s in trace.steps],
        }
        if trace.tags:
            body["tags"] = trace.tags
        response = await client.post("/api/v1/traces", json=body, headers=auth)
        assert response.status_code == 201, response.text


def window(start: datetime = T0, hours: float = 48) -> dict[str, str]:
    return {"from": start.isoformat(), "to": (start + timedelta(hours=hours)).isoformat()}
