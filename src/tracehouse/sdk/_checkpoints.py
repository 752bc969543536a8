"""Checkpoints from the SDK: save the state (and files) of the running trace; restore one."""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tracehouse.sdk._context import current
from tracehouse.sdk._exceptions import ServerError, TracehouseError
from tracehouse.sdk._payload import trace_item

if TYPE_CHECKING:
    import httpx

    from tracehouse.sdk._client import Tracehouse

logger = logging.getLogger("tracehouse")
PATH = "/api/v1/checkpoints"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A saved checkpoint as `restore` gives it back: text files as `str`, others as `bytes`."""

    id: str
    trace_id: str
    state: Any
    files: dict[str, str | bytes] = field(default_factory=dict)
    name: str | None = None
    step: int | None = None
    kind: str = "state"


def save(
    client: Tracehouse,
    state: Any,
    files: Mapping[str, str | bytes] | None,
    fields: dict[str, Any],
) -> str | None:
    """Save a checkpoint of the current trace (at the current observation) and return its id;
    None outside an observed run, when tracing is off, or when the server refused (logged)."""
    observation = current.get()
    if observation is None or not client.enabled or not observation.trace.sampled:
        return None
    # The server checks the trace exists: send it (its id) and what is pending first.
    client.record(trace_item, observation.trace, {})
    client.flush()
    body = {
        "trace_id": observation.trace_id,
        "observation_id": observation.id,
        "state": state,
        "files": [_file(path, content) for path, content in (files or {}).items()],
        **{k: v for k, v in fields.items() if v is not None},
    }
    try:
        response = request(client, "POST", PATH, json=body)
    except TracehouseError as exc:
        logger.warning("tracehouse: checkpoint not saved: %s", exc)
        return None
    return str(response.json()["id"])


def _file(path: str, content: str | bytes) -> dict[str, str]:
    if isinstance(content, str):
        return {"path": path, "content": content}
    return {"path": path, "content_base64": base64.b64encode(content).decode()}


def restore(client: Tracehouse, checkpoint_id: str) -> Checkpoint:
    """The checkpoint's state and files; `TracehouseError` when it cannot be read."""
    body = request(client, "POST", f"{PATH}/{checkpoint_id}/restore").json()
    files: dict[str, str | bytes] = {}
    for item in body["files"]:
        text = item.get("content")
        files[item["path"]] = text if text is not None else base64.b64decode(item["content_base64"])
    return Checkpoint(
        id=body["id"],
        trace_id=body["trace_id"],
        state=body["state"],
        files=files,
        name=body["name"],
        step=body["step"],
        kind=body["kind"],
    )


def request(client: Tracehouse, method: str, path: str, **kwargs: Any) -> httpx.Response:
    import httpx

    config = client.config
    try:
        with httpx.Client(transport=client.transport, timeout=config.timeout) as http:
            response = http.request(method, config.host + path, headers=config.headers(), **kwargs)
    except httpx.HTTPError as exc:
        raise TracehouseError(f"{type(exc).__name__}: {exc}") from exc
    if not response.is_success:
        raise ServerError(
            f"HTTP {response.status_code}: {response.text[:300]}", response.status_code
        )
    return response
