"""LLM-as-judge: fill the template from the target, ask the provider, read the verdict, and
store the judge's own call as a trace (priced by the ingest pipeline like any generation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracehouse.clock import now_us
from tracehouse.evaluators import store, templates, verdicts
from tracehouse.evaluators.fields import lookup
from tracehouse.evaluators.targets import Target
from tracehouse.http.auth import ProjectScope
from tracehouse.ids import new_id
from tracehouse.ingest.service import ingest
from tracehouse.providers import service as providers
from tracehouse.providers.client import Completion, ProviderError, chat
from tracehouse.records import Batch, ObservationRecord, TraceRecord, Usage
from tracehouse.runtime import Runtime

#: Environment of judge traces; monitors never evaluate them (no judging the judges).
JUDGE_ENVIRONMENT = "tracehouse-judge"


@dataclass
class Judgement:
    verdict: verdicts.Verdict | None
    judge_trace_id: str
    cost: float | None
    error: str | None = None


def prompt_and_output(config: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """(prompt, variable mapping, output spec) of a judge config, built-in defaults applied."""
    builtin = templates.BUILTINS.get(config.get("template") or "")
    prompt = builtin.prompt if builtin else str(config["prompt"])
    mapping = dict(builtin.mapping) if builtin else {}
    mapping.update(config.get("variable_mapping") or {})
    output = config.get("output") or {
        "type": builtin.output_type if builtin else "numeric",
        "min": 0.0,
        "max": 1.0,
        "categories": list(builtin.categories) if builtin else [],
    }
    return prompt, mapping, output


def messages_for(
    config: dict[str, Any], target: Target
) -> tuple[list[dict[str, str]], dict[str, Any]]:
    prompt, mapping, output = prompt_and_output(config)
    values = {
        name: lookup(target.fields, mapping.get(name, name))
        for name in templates.placeholders(prompt)
    }
    system = verdicts.instructions(output)
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": templates.render(prompt, values)},
    ], output


def _judge_trace(
    evaluator: Any,
    target: Target,
    model: str,
    messages: list[dict[str, str]],
    completion: Completion | None,
    error: str | None,
    start: int,
) -> tuple[TraceRecord, ObservationRecord]:
    trace_id = new_id()
    end = completion.end_us if completion else now_us()
    text = completion.text if completion else None
    metadata = {"evaluator_id": evaluator["id"], "target_type": target.kind, "target_id": target.id}
    trace = TraceRecord(
        id=trace_id,
        name=f"judge:{evaluator['name']}",
        environment=JUDGE_ENVIRONMENT,
        input=messages,
        output=text,
        metadata=metadata,
        status="error" if error else "ok",
        status_message=error,
        start_time=start,
        end_time=end,
    )
    generation = ObservationRecord(
        id=new_id(),
        trace_id=trace_id,
        type="generation",
        name="judge",
        start_time=start,
        end_time=end,
        model=completion.model if completion else model,
        input=messages,
        output=text,
        usage=Usage(
            input_tokens=completion.input_tokens if completion else None,
            output_tokens=completion.output_tokens if completion else None,
        ),
        level="ERROR" if error else "DEFAULT",
        status_message=error,
        environment=JUDGE_ENVIRONMENT,
        metadata={"attempts": completion.attempts if completion else None},
    )
    return trace, generation


async def judge(
    rt: Runtime, scope: ProjectScope, evaluator: Any, config: dict[str, Any], target: Target
) -> Judgement:
    """Run one judge call on one target; failures come back in `Judgement.error`."""
    provider, default_model = providers.provider(rt, scope.project_rowid, config["provider"])
    model = config.get("model") or default_model or "gpt-4o-mini"
    messages, output = messages_for(config, target)
    start = now_us()
    completion, error, verdict = None, None, None
    try:
        completion = await chat(
            provider, model, messages, temperature=config.get("temperature", 0.0)
        )
        verdict = verdicts.read(completion.text, output)
    except ProviderError as exc:
        error = f"{exc} after {exc.attempts} attempt(s)"
    except verdicts.UnreadableVerdict as exc:
        error = f"unreadable verdict: {exc}"
    trace, generation = _judge_trace(evaluator, target, model, messages, completion, error, start)
    await ingest(rt, scope, Batch(traces=[trace], observations=[generation]), shed=False)
    with rt.db.reader.connect() as conn:
        cost = store.trace_cost(conn, scope.project_rowid, trace.id)
    return Judgement(verdict, trace.id, cost, error)
