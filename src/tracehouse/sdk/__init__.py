"""The Tracehouse Python SDK: trace LLM apps and agents into a Tracehouse server.

    from tracehouse import sdk as tracehouse

    @tracehouse.observe
    def answer(question: str) -> str: ...

Configuration comes from `TRACEHOUSE_BASE_URL` (or `TRACEHOUSE_HOST`), `TRACEHOUSE_API_KEY` and
`TRACEHOUSE_PROJECT`, or
`tracehouse.configure(...)`. See docs/sdk.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracehouse.sdk import _checkpoints
from tracehouse.sdk._anthropic import wrap_anthropic
from tracehouse.sdk._checkpoints import Checkpoint
from tracehouse.sdk._client import Tracehouse, configure, get_client
from tracehouse.sdk._context import current as _current
from tracehouse.sdk._exceptions import ConfigurationError, TracehouseError
from tracehouse.sdk._experiment import DatasetItem, ExperimentResult
from tracehouse.sdk._memory import Memory, MemoryEntry, MemorySearch
from tracehouse.sdk._observation import Observation
from tracehouse.sdk._observe import observe
from tracehouse.sdk._openai import wrap_openai
from tracehouse.sdk._prompts import Prompt
from tracehouse.sdk._skills import Skill

__all__ = [
    "Checkpoint",
    "ConfigurationError",
    "DatasetItem",
    "ExperimentResult",
    "Memory",
    "MemoryEntry",
    "MemorySearch",
    "Observation",
    "Prompt",
    "Skill",
    "Tracehouse",
    "TracehouseError",
    "checkpoint",
    "configure",
    "current_observation",
    "feedback",
    "flush",
    "generation",
    "get_client",
    "get_prompt",
    "get_skill",
    "observe",
    "restore",
    "run_experiment",
    "score",
    "shutdown",
    "span",
    "start_observation",
    "tool",
    "update_current_observation",
    "update_current_trace",
    "wrap_anthropic",
    "wrap_openai",
]


def current_observation() -> Observation | None:
    """The observation the code runs in (its `.id`, `.trace_id`), or None."""
    return _current.get()


def start_observation(name: str, as_type: str = "span", **fields: Any) -> Observation:
    """Start an observation with the default client (see `Tracehouse.start_observation`)."""
    return get_client().start_observation(name, as_type, **fields)


def span(name: str, **fields: Any) -> Observation:
    """`with tracehouse.span("retrieve") as span: ...`, or call `span.end()` yourself."""
    return get_client().span(name, **fields)


def generation(name: str, **fields: Any) -> Observation:
    """An LLM call: `model`, `model_parameters`, `input`; then `output`, `usage` at the end."""
    return get_client().generation(name, **fields)


def tool(name: str, **fields: Any) -> Observation:
    """A tool call."""
    return get_client().tool(name, **fields)


def update_current_observation(**fields: Any) -> None:
    """Update the current observation; fields as `Observation.update`."""
    get_client().update_current_observation(**fields)


def update_current_trace(**fields: Any) -> None:
    """Set `user_id`, `session_id`, `tags`, `metadata`, `input`, `output`, `status`, … of the
    current trace."""
    get_client().update_current_trace(**fields)


def score(name: str, value: float | str | bool, **fields: Any) -> None:
    """Score the current trace, or the `trace_id` / `observation_id` / `session_id` given."""
    get_client().score(name, value, **fields)


def feedback(value: int, **fields: Any) -> None:
    """A user's thumbs up (`1`) or down (`-1`) on the current trace (or `trace_id=`)."""
    get_client().feedback(value, **fields)


def get_prompt(name: str, **options: Any) -> Prompt:
    """A prompt version from the server, cached (see `Tracehouse.get_prompt`)."""
    return get_client().get_prompt(name, **options)


def get_skill(name: str, **options: Any) -> Skill:
    """A skill version from the server, cached (see `Tracehouse.get_skill`)."""
    return get_client().get_skill(name, **options)


def run_experiment(
    dataset: str, task: Any, evaluators: Any = (), **options: Any
) -> ExperimentResult:
    """Run `task` over a dataset's items, traced and scored (see `Tracehouse.run_experiment`)."""
    return get_client().run_experiment(dataset, task, evaluators, **options)


def flush(timeout: float | None = 10.0) -> bool:
    """Send everything recorded so far; `False` if the server did not take it all in time
    (or anything recorded since the last flush was refused or dropped)."""
    return get_client().flush(timeout)


def shutdown(timeout: float | None = 5.0) -> bool:
    """Flush and stop the default client's delivery thread (done at exit for you)."""
    return get_client().shutdown(timeout)


def checkpoint(
    state: Any = None,
    *,
    files: Mapping[str, str | bytes] | None = None,
    name: str | None = None,
    step: int | None = None,
    kind: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> str | None:
    """Save the agent's `state` (any JSON) and `files` ({path: text or bytes}) as a checkpoint
    of the current trace, at the current observation; returns its id (None outside an observed
    run, with tracing off, or when the server refused: logged, never raised). Sends what is
    pending first, so it waits for the server."""
    fields = {"name": name, "step": step, "kind": kind, "metadata": metadata}
    return _checkpoints.save(get_client(), state, files, fields)


def restore(checkpoint_id: str) -> Checkpoint:
    """A saved checkpoint's state and files (`TracehouseError` when it cannot be read)."""
    return _checkpoints.restore(get_client(), checkpoint_id)
