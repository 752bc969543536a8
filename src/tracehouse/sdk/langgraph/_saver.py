"""A LangGraph checkpointer backed by Tracehouse checkpoints: every checkpoint LangGraph saves
is a Tracehouse checkpoint on the run's trace (kind `langgraph`, the thread as its session), so
a graph can be interrupted and resumed, or forked, from what the server keeps.

    from tracehouse.sdk.langgraph import TracehouseSaver

    graph = builder.compile(checkpointer=TracehouseSaver())

Needs `langgraph` (`pip install langgraph`). See docs/agent-dev-loop.md.
"""

from __future__ import annotations

import asyncio
import base64
import builtins
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any
from urllib.parse import quote

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_id,
)

from tracehouse.sdk._checkpoints import PATH, request
from tracehouse.sdk._client import Tracehouse, get_client
from tracehouse.sdk._context import current
from tracehouse.sdk._observation import TraceState
from tracehouse.sdk._payload import trace_item

KIND = "langgraph"
WRITES_KIND = "langgraph.writes"
_THREADS = uuid.UUID("6f1d8c52-30d4-4a8e-9d7a-6b5e3c1f0a91")


class TracehouseSaver(BaseCheckpointSaver[str]):
    """Keeps LangGraph checkpoints and pending writes in Tracehouse. A checkpoint saved inside
    an observed run lands on that run's trace; outside one, on a trace per thread (named
    `langgraph`). The thread id is the checkpoint's session. Async methods run the same calls
    in a worker thread."""

    def __init__(self, client: Tracehouse | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = client

    @property
    def client(self) -> Tracehouse:
        return self._client or get_client()

    # -- reading -------------------------------------------------------------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        wanted = _address(config)
        for row in self._rows(wanted, limit=1):
            return self._tuple(row)
        return None

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        wanted = _address(config) if config else {}
        before_id = get_checkpoint_id(before) if before else None
        count = 0
        for row in self._rows(wanted, limit=None):
            if before_id is not None and row["metadata"]["checkpoint_id"] >= before_id:
                continue
            found = self._tuple(row)
            if filter and any(found.metadata.get(k) != v for k, v in filter.items()):
                continue
            yield found
            count += 1
            if limit is not None and count >= limit:
                return

    def _rows(self, wanted: dict[str, Any], limit: int | None) -> Iterator[dict[str, Any]]:
        """Listed checkpoints of the thread (newest first) at the wanted namespace and id."""
        params: dict[str, Any] = {"kind": KIND, "order": "desc", "limit": 200}
        if "thread_id" in wanted:
            params["session_id"] = wanted["thread_id"]
        if wanted.get("checkpoint_id"):
            params["name"] = wanted["checkpoint_id"]
        shown = 0
        for row in self._pages(params):
            meta = row["metadata"] or {}
            if "checkpoint_ns" in wanted and meta.get("checkpoint_ns") != wanted["checkpoint_ns"]:
                continue
            yield row
            shown += 1
            if limit is not None and shown >= limit:
                return

    def _pages(self, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        while True:
            body = request(self.client, "GET", PATH, params=params).json()
            yield from body["data"]
            if not body["meta"]["next_cursor"]:
                return
            params = {**params, "cursor": body["meta"]["next_cursor"]}

    def _tuple(self, row: dict[str, Any]) -> CheckpointTuple:
        full = request(self.client, "GET", f"{PATH}/{quote(row['id'])}?include=payload").json()
        files = {f["path"]: _bytes(f) for f in full["files"]}
        state = full["state"]
        checkpoint = self.serde.loads_typed((state["types"]["checkpoint"], files["checkpoint"]))
        checkpoint["channel_values"] = {
            name: self.serde.loads_typed((kind, files[f"channels/{name}"]))
            for name, kind in state["types"]["channels"].items()
        }
        meta = row["metadata"]
        config = _config(meta["thread_id"], meta["checkpoint_ns"], meta["checkpoint_id"])
        parent = meta.get("parent_checkpoint_id")
        return CheckpointTuple(
            config=config,
            checkpoint=checkpoint,
            metadata=self.serde.loads_typed((state["types"]["metadata"], files["metadata"])),
            parent_config=_config(meta["thread_id"], meta["checkpoint_ns"], parent)
            if parent
            else None,
            pending_writes=self._writes(meta),
        )

    def _writes(self, meta: dict[str, Any]) -> builtins.list[tuple[str, str, Any]]:
        params = {"kind": WRITES_KIND, "session_id": meta["thread_id"], "limit": 200}
        params["name"] = meta["checkpoint_id"]
        out: builtins.list[tuple[str, str, Any]] = []
        for row in self._pages(params):
            if row["metadata"]["checkpoint_ns"] != meta["checkpoint_ns"]:
                continue
            full = request(self.client, "GET", f"{PATH}/{quote(row['id'])}?include=payload")
            body = full.json()
            files = {f["path"]: _bytes(f) for f in body["files"]}
            for index, item in enumerate(body["state"]["writes"]):
                value = self.serde.loads_typed((item["type"], files[f"writes/{index}"]))
                out.append((body["state"]["task_id"], item["channel"], value))
        return out

    # -- writing -------------------------------------------------------------------------------

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        thread_id, ns = _thread(config)
        values = dict(checkpoint)
        channels: dict[str, Any] = values.pop("channel_values", {})  # type: ignore[assignment]
        files: dict[str, bytes] = {}
        types: dict[str, Any] = {"channels": {}}
        types["checkpoint"], files["checkpoint"] = self.serde.dumps_typed(values)
        types["metadata"], files["metadata"] = self.serde.dumps_typed(metadata)
        for name, value in channels.items():
            types["channels"][name], files[f"channels/{name}"] = self.serde.dumps_typed(value)
        meta = {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint["id"],
            "parent_checkpoint_id": config["configurable"].get("checkpoint_id"),
            "source": metadata.get("source"),
            "step": metadata.get("step"),
        }
        step = metadata.get("step")
        self._save(KIND, thread_id, meta, {"types": types}, files, step)
        return _config(thread_id, ns, checkpoint["id"])

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        thread_id, ns = _thread(config)
        files: dict[str, bytes] = {}
        listed: list[dict[str, Any]] = []
        for index, (channel, value) in enumerate(writes):
            kind, files[f"writes/{index}"] = self.serde.dumps_typed(value)
            listed.append({"channel": channel, "type": kind, "idx": WRITES_IDX_MAP.get(channel)})
        meta = {"thread_id": thread_id, "checkpoint_ns": ns, "task_id": task_id}
        meta["checkpoint_id"] = config["configurable"]["checkpoint_id"]
        state = {"task_id": task_id, "task_path": task_path, "writes": listed}
        self._save(WRITES_KIND, thread_id, meta, state, files, None)

    def delete_thread(self, thread_id: str) -> None:
        for kind in (KIND, WRITES_KIND):
            params = {"kind": kind, "session_id": thread_id, "limit": 200}
            for row in list(self._pages(params)):
                request(self.client, "DELETE", f"{PATH}/{quote(row['id'])}")

    def _save(
        self,
        kind: str,
        thread_id: str,
        meta: dict[str, Any],
        state: dict[str, Any],
        files: dict[str, bytes],
        step: int | None,
    ) -> None:
        trace_id = self._trace_id(thread_id)
        body = {
            "trace_id": trace_id,
            "observation_id": _observation_on(trace_id),
            "session_id": thread_id,
            "name": meta["checkpoint_id"],
            "kind": kind,
            "state": state,
            "metadata": meta,
            "files": [
                {"path": path, "content_base64": base64.b64encode(data).decode()}
                for path, data in files.items()
            ],
        }
        if step is not None and step >= 0:
            body["step"] = step
        request(self.client, "POST", PATH, json=body)

    def _trace_id(self, thread_id: str) -> str:
        """The running trace, or the thread's own; sent first: the server checks it exists."""
        observation = current.get()
        if observation is not None and observation.trace.sampled:
            trace, fields = observation.trace, {}
        else:
            trace = TraceState(uuid.uuid5(_THREADS, thread_id).int, True)
            fields = {"name": "langgraph", "session_id": thread_id}
        self.client.record(trace_item, trace, fields)
        self.client.flush()
        return trace.id

    # -- async: the same calls in a worker thread ------------------------------------------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await asyncio.to_thread(self.get_tuple, config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        found = await asyncio.to_thread(
            lambda: list(self.list(config, filter=filter, before=before, limit=limit))
        )
        for item in found:
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return await asyncio.to_thread(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        await asyncio.to_thread(self.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await asyncio.to_thread(self.delete_thread, thread_id)

    def get_next_version(self, current: str | None, channel: None) -> str:
        """Versions as `<counter>.<random>`, as LangGraph's own savers make them."""
        counter = 0 if current is None else int(str(current).split(".")[0])
        return f"{counter + 1:032}.{uuid.uuid4().int % 10**16:016}"


def _observation_on(trace_id: str) -> str | None:
    observation = current.get()
    return observation.id if observation and observation.trace_id == trace_id else None


def _thread(config: RunnableConfig) -> tuple[str, str]:
    configurable = config["configurable"]
    return str(configurable["thread_id"]), str(configurable.get("checkpoint_ns", ""))


def _address(config: RunnableConfig) -> dict[str, Any]:
    configurable = config.get("configurable", {})
    out: dict[str, Any] = {}
    if "thread_id" in configurable:
        out["thread_id"] = str(configurable["thread_id"])
        out["checkpoint_ns"] = str(configurable.get("checkpoint_ns", ""))
    if checkpoint_id := get_checkpoint_id(config):
        out["checkpoint_id"] = checkpoint_id
    return out


def _config(thread_id: str, ns: str, checkpoint_id: str) -> RunnableConfig:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint_id,
        }
    }


def _bytes(item: dict[str, Any]) -> bytes:
    text = item.get("content")
    return text.encode() if text is not None else base64.b64decode(item["content_base64"])
