"""Checkpoints: create (files stored once per project by content hash, within the size
limits), list, read with or without the payload, delete, diff two, restore."""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from tracehouse import jsontext
from tracehouse.checkpoints import diff, store
from tracehouse.checkpoints.schemas import (
    MAX_FILE_BYTES,
    MAX_STATE_BYTES,
    MAX_TOTAL_BYTES,
    CheckpointIn,
    CheckpointQuery,
    FileIn,
)
from tracehouse.clock import iso, now_us
from tracehouse.errors import InvalidRequest, NotFound, PayloadTooLarge
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams, page_body
from tracehouse.runtime import Runtime
from tracehouse.traces import store as trace_store


@dataclass(frozen=True, slots=True)
class Blob:
    path: str
    sha256: str
    content: bytes


def create(rt: Runtime, scope: ProjectScope, body: CheckpointIn) -> dict[str, Any]:
    """Store the checkpoint; bytes already kept for the project are not stored again."""
    scope.require_write()
    state = jsontext.dumps(body.state)
    blobs = _blobs(body.files)
    _check_sizes(state, blobs)
    now = now_us()
    with rt.db.writer.begin() as conn:
        if trace_store.get_trace(conn, scope.project_rowid, body.trace_id) is None:
            raise NotFound(f"No trace {body.trace_id!r} in this project.", {"field": "trace_id"})
        values = _values(scope, body, state, blobs, now)
        rowid = store.insert_checkpoint(conn, values)
        _store_files(conn, scope.project_rowid, rowid, blobs, now)
        return render(store.find(conn, scope.project_rowid, values["id"]))


def _values(
    scope: ProjectScope, body: CheckpointIn, state: str | None, blobs: list[Blob], now: int
) -> dict[str, Any]:
    return {
        "project_rowid": scope.project_rowid,
        "id": uuid.uuid4().hex,
        "trace_id": body.trace_id,
        "observation_id": body.observation_id,
        "session_id": body.session_id,
        "name": body.name,
        "step": body.step,
        "kind": body.kind,
        "state": state,
        "metadata": jsontext.dumps(body.metadata),
        "file_count": len(blobs),
        "size_bytes": len(state or "") + sum(len(b.content) for b in blobs),
        "created_at": now,
    }


def _blobs(files: list[FileIn]) -> list[Blob]:
    out: dict[str, Blob] = {}
    for index, item in enumerate(files):
        content = _content(item, index)
        if item.path in out:
            raise InvalidRequest(f"File {item.path!r} is given twice.", {"field": "files"})
        out[item.path] = Blob(item.path, hashlib.sha256(content).hexdigest(), content)
    return list(out.values())


def _content(item: FileIn, index: int) -> bytes:
    if item.content is not None:
        return item.content.encode()
    try:
        return base64.b64decode(item.content_base64 or "", validate=True)
    except binascii.Error as exc:
        field = f"files[{index}].content_base64"
        raise InvalidRequest("Invalid base64.", {"field": field}) from exc


def _check_sizes(state: str | None, blobs: list[Blob]) -> None:
    if state is not None and len(state.encode()) > MAX_STATE_BYTES:
        raise PayloadTooLarge(f"The state exceeds {MAX_STATE_BYTES} bytes.", {"field": "state"})
    for blob in blobs:
        if len(blob.content) > MAX_FILE_BYTES:
            message = f"File {blob.path!r} exceeds {MAX_FILE_BYTES} bytes."
            raise PayloadTooLarge(message, {"field": "files"})
    total = len((state or "").encode()) + sum(len(b.content) for b in blobs)
    if total > MAX_TOTAL_BYTES:
        raise PayloadTooLarge(f"The checkpoint exceeds {MAX_TOTAL_BYTES} bytes.")


def _store_files(conn: Any, project_rowid: int, rowid: int, blobs: list[Blob], now: int) -> None:
    """List the checkpoint's files; store only the contents the project does not have yet."""
    missing = store.missing_blobs(conn, project_rowid, (b.sha256 for b in blobs))
    new = {b.sha256: b.content for b in blobs if b.sha256 in missing}
    store.insert_blobs(
        conn,
        [
            {"project_rowid": project_rowid, "sha256": sha, "content": content,
             "size_bytes": len(content), "created_at": now}
            for sha, content in new.items()
        ],
    )  # fmt: skip
    rows = [
        {
            "checkpoint_rowid": rowid,
            "path": b.path,
            "sha256": b.sha256,
            "size_bytes": len(b.content),
        }
        for b in blobs
    ]
    store.insert_files(conn, rows)


def list_checkpoints(
    rt: Runtime, scope: ProjectScope, query: CheckpointQuery, page: PageParams
) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        rows, total = store.listing(conn, scope.project_rowid, query, page)
    return page_body(rows, page, total, render, lambda r: [r["created_at"], r["checkpoint_rowid"]])


def get(rt: Runtime, scope: ProjectScope, checkpoint_id: str, payload: bool) -> dict[str, Any]:
    """The checkpoint and its file list; with `payload`, its state and every file's content."""
    with rt.db.reader.connect() as conn:
        row = _own(conn, scope, checkpoint_id)
        files = store.files(conn, row["checkpoint_rowid"])
        contents = store.blobs(conn, scope.project_rowid, (f["sha256"] for f in files))
    out = render(row)
    out["files"] = [_file(f, contents[f["sha256"]] if payload else None) for f in files]
    if payload:
        out["state"] = jsontext.loads(row["state"])
    return out


def restore(rt: Runtime, scope: ProjectScope, checkpoint_id: str) -> dict[str, Any]:
    """What an agent needs to resume: the state and the files, as they were saved."""
    full = get(rt, scope, checkpoint_id, payload=True)
    keys = ("id", "trace_id", "observation_id", "session_id", "name", "step", "kind", "state")
    return {**{k: full[k] for k in keys}, "files": full["files"]}


def _file(row: Any, content: bytes | None) -> dict[str, Any]:
    out = {"path": row["path"], "sha256": row["sha256"], "size_bytes": row["size_bytes"]}
    if content is None:
        return out
    try:
        return {**out, "content": content.decode("utf-8")}
    except UnicodeDecodeError:
        return {**out, "content_base64": base64.b64encode(content).decode()}


def delete(rt: Runtime, scope: ProjectScope, checkpoint_id: str) -> None:
    """Delete the checkpoint, and the bytes of its files no other checkpoint lists."""
    scope.require_write()
    with rt.db.writer.begin() as conn:
        row = _own(conn, scope, checkpoint_id)
        hashes = [f["sha256"] for f in store.files(conn, row["checkpoint_rowid"])]
        store.delete(conn, row["checkpoint_rowid"])
        if hashes:
            store.drop_unused_blobs(conn, scope.project_rowid, hashes)


def compare(rt: Runtime, scope: ProjectScope, first: str, second: str) -> dict[str, Any]:
    """From checkpoint `first` to `second`: the state's changes and each changed file."""
    with rt.db.reader.connect() as conn:
        a, b = _own(conn, scope, first), _own(conn, scope, second)
        files_a = {f["path"]: f["sha256"] for f in store.files(conn, a["checkpoint_rowid"])}
        files_b = {f["path"]: f["sha256"] for f in store.files(conn, b["checkpoint_rowid"])}
        changed = sorted(
            p for p in files_a.keys() | files_b.keys() if files_a.get(p) != files_b.get(p)
        )
        hashes = [h for p in changed for h in (files_a.get(p), files_b.get(p)) if h]
        contents = store.blobs(conn, scope.project_rowid, hashes)
    state = diff.json_diff(jsontext.loads(a["state"]), jsontext.loads(b["state"]))
    files = [
        diff.file_diff(p, _pick(contents, files_a, p), _pick(contents, files_b, p), "a", "b")
        for p in changed
    ]
    return {"from": render(a), "to": render(b), "state": state, "files": files}


def _pick(contents: dict[str, bytes], files: dict[str, str], path: str) -> bytes | None:
    sha = files.get(path)
    return contents[sha] if sha else None


def usage(rt: Runtime, scope: ProjectScope) -> dict[str, int]:
    with rt.db.reader.connect() as conn:
        count, size = store.stored_bytes(conn, scope.project_rowid)
    return {"distinct_files": count, "stored_bytes": size}


def _own(conn: Any, scope: ProjectScope, checkpoint_id: str) -> Any:
    row = store.find(conn, scope.project_rowid, checkpoint_id)
    if row is None:
        raise NotFound(f"No checkpoint {checkpoint_id!r} in this project.")
    return row


def render(row: Any) -> dict[str, Any]:
    names = ("id", "trace_id", "observation_id", "session_id", "name", "step", "kind")
    out: dict[str, Any] = {name: row[name] for name in names}
    out["metadata"] = jsontext.loads(row["metadata"])
    out["file_count"] = row["file_count"]
    out["size_bytes"] = row["size_bytes"]
    out["created_at"] = iso(row["created_at"])
    return out
