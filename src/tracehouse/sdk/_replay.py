"""Replaying a fork in the user's own code: the fork's recorded LLM calls (those before its fork
point) are fetched once; each call through `wrap_openai` whose input matches the next unused
recorded call of the same input is answered from the recording, without reaching the provider;
the first call that matches none goes live, and every call after it. The run's trace is linked
to the fork (`POST /api/v1/forks/{id}/replays`) and carries `fork_id` in its metadata."""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from typing import TYPE_CHECKING, Any

from tracehouse.sdk._exceptions import TracehouseError
from tracehouse.sdk._observation import merge_fields
from tracehouse.sdk._payload import Budget, jsonable, trace_item

if TYPE_CHECKING:
    from tracehouse.sdk._client import Tracehouse
    from tracehouse.sdk._observation import Observation

logger = logging.getLogger("tracehouse.sdk")
#: Characters of one call's input compared (inputs are recorded within the same budget).
_KEY_CHARS = 1_000_000


def key(value: Any) -> str:
    """A call's input as canonical JSON: what a recorded input and a new one are compared by
    (objects dumped as the SDK records them, keys sorted, null fields left out)."""
    return json.dumps(_pruned(jsonable(value, Budget(_KEY_CHARS))), sort_keys=True)


def _pruned(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


class Replay:
    """One fork's recording, served call by call until the run goes live."""

    def __init__(self, client: Tracehouse, fork_id: str) -> None:
        self.client = client
        self.fork_id = fork_id
        self.lock = threading.Lock()
        self.recorded: dict[str, deque[dict[str, Any]]] | None = None  # fetched on first use
        self.live = False
        self.served = 0
        self.linked: set[str] = set()

    def answer(
        self, observation: Observation, call_input: Any, *, servable: bool = True
    ) -> dict[str, Any] | None:
        """The recorded generation answering this call, or None: the call goes to the provider
        (and so does every later one). A call that cannot be served (a stream) goes live."""
        with self.lock:
            self._link(observation)
            if self.live:
                return None
            recorded = self._recording().get(key(call_input)) if servable else None
            if not recorded:
                self.live = True
                logger.info("tracehouse: replay of fork %s live after %d calls", *self._where())
                return None
            self.served += 1
            return recorded.popleft()

    def _where(self) -> tuple[str, int]:
        return self.fork_id, self.served

    def _recording(self) -> dict[str, deque[dict[str, Any]]]:
        if self.recorded is None:
            self.recorded = {}
            for step in self._fetch():
                if step.get("type") == "generation":
                    self.recorded.setdefault(key(step.get("input")), deque()).append(step)
        return self.recorded

    def _fetch(self) -> list[dict[str, Any]]:
        from tracehouse.sdk._checkpoints import request as _request

        try:
            fork = _request(self.client, "GET", f"/api/v1/forks/{self.fork_id}").json()
        except TracehouseError as exc:
            logger.error(
                "tracehouse: fork %s could not be read, running live: %s", self.fork_id, exc
            )
            return []
        return list(fork.get("prefix") or [])

    def _link(self, observation: Observation) -> None:
        """Once per trace: the fork's id in its metadata, and the trace linked to the fork."""
        trace = observation.trace
        if trace.id in self.linked or not trace.sampled:
            return
        self.linked.add(trace.id)
        fields = {"metadata": {"fork_id": self.fork_id}}
        if trace.root_sent:
            self.client.record(trace_item, trace, fields)
        else:
            merge_fields(trace.fields, fields)
        from tracehouse import __version__
        from tracehouse.sdk._checkpoints import request as _request

        body = {"trace_id": trace.id, "sdk": f"tracehouse-python/{__version__}"}
        try:
            _request(self.client, "POST", f"/api/v1/forks/{self.fork_id}/replays", json=body)
        except TracehouseError as exc:
            logger.warning("tracehouse: replay not linked to fork %s: %s", self.fork_id, exc)


def served_output(step: dict[str, Any]) -> dict[str, Any]:
    """A recorded generation's output as an assistant message."""
    output = step.get("output")
    if isinstance(output, list) and output and isinstance(output[0], dict):
        output = output[0]
    if isinstance(output, dict) and "role" in output:
        return {k: v for k, v in output.items() if v is not None}
    text = output if isinstance(output, str) or output is None else json.dumps(output)
    return {"role": "assistant", "content": text}
