"""`Tracehouse`, the client: settings, the delivery thread, and the calls that create
observations, update the current trace, and send scores and feedback. Plus the default client
that the module-level functions use."""

from __future__ import annotations

import functools
import logging
import random
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from tracehouse.sdk._cache import VersionCache
from tracehouse.sdk._config import Config, Mask, resolve
from tracehouse.sdk._context import current, otel_parent
from tracehouse.sdk._delivery import Delivery
from tracehouse.sdk._experiment import DatasetItem, ExperimentResult, run_experiment
from tracehouse.sdk._memory import Memory
from tracehouse.sdk._observation import (
    TRACE_FIELDS,
    Observation,
    TraceState,
    checked,
    merge_fields,
)
from tracehouse.sdk._payload import Item, feedback_item, score_item, trace_item
from tracehouse.sdk._prompts import Prompt, PromptCache
from tracehouse.sdk._replay import Replay
from tracehouse.sdk._skills import Skill, skill_from_body
from tracehouse.sdk._skills import link as link_skill

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger("tracehouse.sdk")
P = ParamSpec("P")
R = TypeVar("R")

OBSERVATION_TYPES = frozenset(
    {
        "span",
        "generation",
        "event",
        "agent",
        "tool",
        "chain",
        "retriever",
        "embedding",
        "reranker",
        "guardrail",
        "evaluator",
    }
)


def _never_raises(default: Any = None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Tracing must not break the app: a bug or bad argument here is logged, not raised."""

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def safe(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(*args, **kwargs)
            except Exception:
                logger.exception("tracehouse: %s failed (ignored)", method.__name__)
                return default  # type: ignore[no-any-return]

        return safe

    return decorate


class Tracehouse:
    """A connection to one Tracehouse server and project.

    Every argument falls back to an environment variable, then a default:

    - `host`: the server URL (`TRACEHOUSE_BASE_URL`, else `TRACEHOUSE_HOST`, default
      `http://127.0.0.1:8000`), `api_key`
      (`TRACEHOUSE_API_KEY`), `project` (`TRACEHOUSE_PROJECT`: sent as `X-Project-Name`, for
      organization keys).
    - `enabled` (`TRACEHOUSE_ENABLED`): `False` records nothing and sends nothing. Without an
      API key the client is disabled too (with one warning).
    - `sample_rate` (`TRACEHOUSE_SAMPLE_RATE`, 0 to 1): the share of traces kept, decided per trace.
    - `capture`: record arguments and return values of `@observe`d functions; `mask` is called
      with every input, output and metadata value before it is sent (return a redacted copy).
    - `environment`, `release` (`TRACEHOUSE_ENVIRONMENT`, `TRACEHOUSE_RELEASE`): trace fields.
    - `capture_vcs` (`TRACEHOUSE_CAPTURE_VCS`, default on): every trace's metadata carries the
      git commit, branch, repository and dirty state, and the CI run, read once per process.
    - Delivery: `batch_size` items per send, `flush_interval` seconds between sends,
      `max_queue` items and `max_queue_bytes` bytes buffered (beyond either, new items are
      dropped and counted), `max_item_bytes` the encoded size of one item (larger values are
      truncated), `timeout` per request, `max_retry_delay` cap of the exponential backoff,
      `gzip` bodies, `transport` (an `httpx.BaseTransport`) to replace the network.
    - `fork_id` (`TRACEHOUSE_FORK_ID`): replay that fork in this process. LLM calls through
      `wrap_openai` or `wrap_anthropic` that match the fork's recorded calls before its fork
      point are answered from the recording (the provider is not called); the first call that
      differs goes live, and every one after it. Each trace is linked to the fork (see
      docs/forks.md).
    """

    def __init__(
        self,
        host: str | None = None,
        api_key: str | None = None,
        *,
        project: str | None = None,
        enabled: bool | None = None,
        sample_rate: float | None = None,
        capture: bool = True,
        mask: Mask | None = None,
        environment: str | None = None,
        release: str | None = None,
        capture_vcs: bool | None = None,
        batch_size: int = 1000,
        flush_interval: float = 1.0,
        max_queue: int = 100_000,
        max_queue_bytes: int = 64 * 1024 * 1024,
        max_item_bytes: int = 1024 * 1024,
        timeout: float = 10.0,
        max_retry_delay: float = 10.0,
        gzip: bool = True,
        transport: httpx.BaseTransport | None = None,
        fork_id: str | None = None,
    ) -> None:
        arguments = dict(locals())  # first line: holds exactly the arguments
        del arguments["self"], arguments["transport"]
        self.config = resolve(**arguments)
        self.enabled = self._enabled(self.config)
        self._logged: set[str] = set()
        self.transport = transport
        self._connect(transport)

    @staticmethod
    def _enabled(config: Config) -> bool:
        """Whether this client records: asked for, and given an API key (warned once if not)."""
        if config.enabled and not config.api_key:
            logger.warning("tracehouse: no API key (TRACEHOUSE_API_KEY); tracing is disabled")
            return False
        return config.enabled

    def _connect(self, transport: httpx.BaseTransport | None) -> None:
        """The parts that talk to the server: delivery, prompts, memory, skills, replay."""
        self.delivery = Delivery(self.config, transport, start=self.enabled)
        self.prompts = PromptCache(self.config, transport)
        #: The project's agent memory on the server (see docs/memory.md).
        self.memory = Memory(self)
        self.skills = VersionCache(
            self.config,
            transport,
            kind="skill",
            path="/api/v1/skills/by-name/",
            parse=skill_from_body,
        )
        fork = self.config.fork_id
        #: The fork this client replays, if any.
        self.replay = Replay(self, fork) if fork and self.enabled else None

    def log_once(self, message: str) -> None:
        if message not in self._logged:
            self._logged.add(message)
            logger.warning("tracehouse: %s", message)

    def record(self, encode: Callable[..., Item], *args: Any) -> None:
        """Encode an item now (JSON bytes, within its budget) and buffer it; an item that
        cannot be encoded is logged and counted as dropped."""
        try:
            item = encode(*args, self.config)
        except Exception:
            logger.exception("tracehouse: an item could not be encoded (dropped)")
            self.delivery.lose(1)
            return
        self.delivery.put(item)

    def _sampled(self) -> bool:
        rate = self.config.sample_rate
        return self.enabled and (rate >= 1.0 or random.random() < rate)

    def start_observation(
        self, name: str, as_type: str = "span", *, parent: Observation | None = None, **fields: Any
    ) -> Observation:
        """Start an observation under `parent` (default: the current one). Use it in a `with`
        block, or call `.end()`. `as_type`: span, generation, tool, agent, chain, retriever,
        embedding, reranker, guardrail, evaluator or event."""
        if as_type not in OBSERVATION_TYPES:
            self.log_once(f"unknown observation type {as_type!r}; recorded as a span")
            as_type = "span"
        fields = checked(self, fields)
        fields["name"] = name
        return self.start_fast(as_type, fields, parent)

    def start_fast(
        self, as_type: str, fields: dict[str, Any], parent: Observation | None = None
    ) -> Observation:
        """`start_observation` without argument checks (for `@observe` and integrations)."""
        parent = parent if parent is not None else current.get()
        if parent is not None:
            return Observation(
                self, parent.trace, random.getrandbits(64), parent.id_int, as_type, fields, False
            )
        in_otel = otel_parent()
        if in_otel is None:
            trace = TraceState(random.getrandbits(128), self._sampled())
            return Observation(self, trace, random.getrandbits(64), None, as_type, fields, True)
        trace = TraceState(in_otel[0], self._sampled())
        return Observation(self, trace, random.getrandbits(64), in_otel[1], as_type, fields, True)

    def span(self, name: str, **fields: Any) -> Observation:
        """Start a span: `with client.span("retrieve") as span: ...`."""
        return self.start_observation(name, "span", **fields)

    def generation(self, name: str, **fields: Any) -> Observation:
        """Start an LLM call: `model`, `model_parameters`, `input`, then `output`, `usage`."""
        return self.start_observation(name, "generation", **fields)

    def tool(self, name: str, **fields: Any) -> Observation:
        """Start a tool call."""
        return self.start_observation(name, "tool", **fields)

    @_never_raises()
    def update_current_observation(self, **fields: Any) -> None:
        """Update the current observation (no-op outside one); fields as `Observation.update`."""
        observation = current.get()
        if observation is not None:
            observation.update(**fields)

    @_never_raises()
    def update_current_trace(self, **fields: Any) -> None:
        """Set fields of the current trace: `name`, `user_id`, `session_id`, `tags`, `metadata`,
        `input`, `output`, `status` (ok/warning/error), `status_message`, `environment`,
        `release`, `version`, `public`. No-op outside an observation."""
        observation = current.get()
        if observation is None:
            return
        unknown = fields.keys() - TRACE_FIELDS
        if unknown:
            self.log_once(f"unknown trace fields ignored: {sorted(unknown)}")
            fields = {k: v for k, v in fields.items() if k not in unknown}
        trace = observation.trace
        if not trace.root_sent:
            merge_fields(trace.fields, fields)
        elif trace.sampled:
            self.record(trace_item, trace, fields)

    @_never_raises()
    def score(
        self,
        name: str,
        value: float | str | bool,
        *,
        trace_id: str | None = None,
        observation_id: str | None = None,
        session_id: str | None = None,
        comment: str | None = None,
        data_type: str | None = None,
        metadata: dict[str, Any] | None = None,
        id: str | None = None,
    ) -> None:
        """Score a trace (default: the current one), an observation or a session."""
        if not self.enabled:
            return
        if not (trace_id or observation_id or session_id):
            observation = current.get()
            if observation is None:
                self.log_once(
                    "score() outside a trace needs trace_id, observation_id or session_id"
                )
                return
            if not observation.trace.sampled:
                return
            trace_id = observation.trace_id
        body = {
            "id": id or format(random.getrandbits(128), "032x"),
            "name": name,
            "value": value,
            "trace_id": trace_id,
            "observation_id": observation_id,
            "session_id": session_id,
            "comment": comment,
            "data_type": data_type,
            "metadata": metadata,
        }
        self.record(score_item, {k: v for k, v in body.items() if v is not None})

    @_never_raises()
    def feedback(
        self,
        value: int,
        *,
        trace_id: str | None = None,
        comment: str | None = None,
        user_id: str | None = None,
    ) -> None:
        """A user's thumbs up (`1`) or down (`-1`) on a trace (default: the current one)."""
        if not self.enabled:
            return
        observation = current.get()
        if trace_id is None:
            if observation is None:
                self.log_once("feedback() outside a trace needs trace_id")
                return
            if not observation.trace.sampled:
                return
            trace_id = observation.trace_id
        body = {"id": format(random.getrandbits(128), "032x"), "value": value}
        body.update({k: v for k, v in (("comment", comment), ("user_id", user_id)) if v})
        trace = observation.trace if observation is not None else None
        if trace is not None and trace.id == trace_id and not trace.root_sent:
            trace.after_root.append(feedback_item(trace_id, body, self.config))  # after its trace
        else:
            self.record(feedback_item, trace_id, body)

    def get_prompt(
        self,
        name: str,
        *,
        label: str | None = None,
        version: int | None = None,
        cache_ttl: float = 60.0,
        fallback: str | list[dict[str, Any]] | None = None,
    ) -> Prompt:
        """A prompt version (by `label` or `version`; default: the `production` label), kept
        `cache_ttl` seconds. When the server cannot be reached, the stale cached copy is
        served, else `fallback` (`is_fallback` set), else `TracehouseError` is raised. With a
        stale copy or a fallback to serve, the server gets at most `FALLBACK_TIMEOUT` (2 s)."""
        return self.prompts.prompt(
            name, label=label, version=version, cache_ttl=cache_ttl, fallback=fallback
        )

    def get_skill(
        self,
        name: str,
        *,
        label: str | None = None,
        version: int | None = None,
        cache_ttl: float = 60.0,
        fallback: str | None = None,
    ) -> Skill:
        """A skill version by name (the project's, else its organization's; by `label` or
        `version`, default the `production` label, else `latest`), cached like `get_prompt`:
        stale copy, then `fallback` (a body; `is_fallback` set) when the server is away.
        Inside an observed run, the current observation's metadata names the version
        (`tracehouse.skill`), so the skill's page counts the run."""

        def stand_in() -> Skill:
            return Skill(name, 0, fallback or "", is_fallback=True)

        skill = self.skills.get(
            name,
            label=label,
            version=version,
            cache_ttl=cache_ttl,
            fallback=None if fallback is None else stand_in,
        )
        link_skill(current.get(), skill)
        return skill

    def run_experiment(
        self,
        dataset: str,
        task: Callable[[DatasetItem], Any],
        evaluators: Sequence[Callable[..., Any]] = (),
        *,
        run_name: str | None = None,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        concurrency: int = 4,
        progress: bool = True,
    ) -> ExperimentResult:
        """Run `task(item)` over every item of `dataset`, `concurrency` at a time, each in its
        own trace; score each output with every evaluator (called with `input`, `output`,
        `expected_output`, `metadata`; returning a value, or a dict with `value`, `name`,
        `comment`); link the traces to the dataset run `run_name`; show a progress bar and
        print a summary (`progress=False`: neither). Returns the results."""
        return run_experiment(
            self,
            dataset,
            task,
            evaluators,
            run_name=run_name,
            description=description,
            metadata=metadata,
            concurrency=concurrency,
            progress=progress,
            transport=self.transport,
        )

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Send everything recorded so far; `True` once the server has it all, `False` on
        timeout or if anything recorded since the last flush was refused or dropped."""
        return self.delivery.flush(timeout)

    def shutdown(self, timeout: float | None = 5.0) -> bool:
        """Flush, then stop the delivery thread (done at exit for you)."""
        return self.delivery.shutdown(timeout)


_default: Tracehouse | None = None
_default_lock = threading.Lock()


def get_client() -> Tracehouse:
    """The default client (built from the environment on first use unless `configure`d)."""
    client = _default
    if client is None:
        with _default_lock:
            client = _default if _default is not None else _set_default(Tracehouse())
    return client


def _set_default(client: Tracehouse) -> Tracehouse:
    global _default
    _default = client
    return client


def configure(**settings: Any) -> Tracehouse:
    """Replace the default client; arguments as `Tracehouse`. The old client keeps delivering
    what it had recorded for up to 5 s in the background (and at exit); nothing waits here."""
    client = Tracehouse(**settings)
    with _default_lock:
        old = _default
        _set_default(client)
    if old is not None:
        old.delivery.stop(5.0)
    return client
