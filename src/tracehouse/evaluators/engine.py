"""Running one evaluator on one target: a judge call, a rule or a queue entry; judge and rule
results become scores with `source = eval` that link back to the evaluator, the run and (for
judges) the judge's own trace."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from tracehouse import jsontext
from tracehouse.annotations import service as annotation_queues
from tracehouse.evaluators import rules
from tracehouse.evaluators.judge import judge
from tracehouse.evaluators.targets import Target
from tracehouse.http.auth import ProjectScope
from tracehouse.ids import new_id
from tracehouse.ingest.service import ingest
from tracehouse.records import Batch, ScoreRecord
from tracehouse.runtime import Runtime


@dataclass
class Result:
    evaluator_id: str
    target_type: str
    target_id: str
    status: str  # ok | error | queued
    score_id: str | None = None
    value: float | None = None
    string_value: str | None = None
    reasoning: str | None = None
    judge_trace_id: str | None = None
    cost: float | None = None
    error: str | None = None


def _score(
    evaluator: Any, target: Target, result: Result, data_type: str, run_id: str | None
) -> ScoreRecord:
    return ScoreRecord(
        id=new_id(),
        name=evaluator["name"],
        data_type=data_type,
        value=result.value,
        string_value=result.string_value,
        source="eval",
        trace_id=target.trace_id,
        observation_id=target.observation_id,
        session_id=target.session_id,
        comment=result.reasoning,
        metadata={
            "evaluator_id": evaluator["id"],
            "evaluation_run_id": run_id,
            "judge_trace_id": result.judge_trace_id,
        },
    )


async def _judge(
    rt: Runtime,
    scope: ProjectScope,
    evaluator: Any,
    config: dict[str, Any],
    result: Result,
    target: Target,
) -> str | None:
    done = await judge(rt, scope, evaluator, config, target)
    result.judge_trace_id, result.cost = done.judge_trace_id, done.cost
    if done.verdict is None:
        result.status, result.error = "error", done.error
        return None
    verdict = done.verdict
    result.value, result.string_value = verdict.value, verdict.string_value
    result.reasoning = verdict.reasoning
    return verdict.data_type


async def evaluate(
    rt: Runtime, scope: ProjectScope, evaluator: Any, target: Target, run_id: str | None
) -> Result:
    """Evaluate `target`; every failure is reported in the result, never raised."""
    config = jsontext.loads(evaluator["config"])
    result = Result(evaluator["id"], target.kind, target.id, "ok")
    scope = replace(scope, is_test=scope.is_test or target.is_test, access="write")
    try:
        if config["kind"] == "human":
            if target.trace_id is None:
                raise ValueError("only traces and observations go into annotation queues")
            annotation_queues.enqueue(
                rt, scope, config["queue"], target.trace_id, target.observation_id
            )
            result.status = "queued"
            return result
        if config["kind"] == "code":
            verdict = rules.apply(config, target.fields)
            result.value, result.reasoning = verdict.value, verdict.reasoning
            data_type: str | None = "BOOLEAN"
        else:
            data_type = await _judge(rt, scope, evaluator, config, result, target)
        if data_type is not None:
            score = _score(evaluator, target, result, data_type, run_id)
            await ingest(rt, scope, Batch(scores=[score]), shed=False)
            result.score_id = score.id
    except Exception as exc:  # one bad target must not sink the run
        result.status, result.error = "error", f"{type(exc).__name__}: {exc}"
    return result
