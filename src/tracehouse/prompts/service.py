"""The rules of prompt management: versions, labels, tags, lookup, compilation and metrics."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection
from sqlalchemy.exc import IntegrityError

from tracehouse import jsontext
from tracehouse.audit import service as audit
from tracehouse.clock import iso, now_us
from tracehouse.errors import Conflict, InvalidRequest, NotFound, ValidationFailed
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams
from tracehouse.ids import new_id
from tracehouse.names import check_path_name
from tracehouse.prompts import compile as compiler
from tracehouse.prompts import compose, store
from tracehouse.prompts.schemas import CompileIn, Selector, VersionIn
from tracehouse.runtime import Runtime
from tracehouse.store import deadline

LATEST = "latest"
PRODUCTION = "production"
_LABEL = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")
#: Path words routes put after a prompt name; refused as later segments of a name.
RESERVED_SEGMENTS = frozenset({"versions", "labels", "compile", "metrics"})


@dataclass(frozen=True, slots=True)
class PromptVersion:
    """One version of a prompt, with the prompt it belongs to and its current labels."""

    prompt: Any
    version: Any
    labels: list[str]
    #: The prompt with references to other prompts resolved (when asked and there were any).
    resolved: Any = None

    @property
    def text(self) -> Any:
        if self.resolved is not None:
            return self.resolved
        return jsontext.loads(self.version["prompt"])


def check_labels(labels: list[str]) -> list[str]:
    """Labels deduplicated in order; 422 naming each not of letters, digits, `_ . -` only."""
    bad = [label for label in labels if not _LABEL.match(label)]
    if bad:
        raise ValidationFailed(
            f"Invalid labels: {', '.join(map(repr, bad))} (letters, digits, _ . - only).",
            [{"field": "labels", "message": f"invalid label {label!r}"} for label in bad],
        )
    return list(dict.fromkeys(labels))


def _check_prompt(kind: str, prompt: Any) -> None:
    if kind == "text" and not isinstance(prompt, str):
        raise ValidationFailed("A text prompt is a string.", [{"field": "prompt"}])
    if kind == "chat":
        if not isinstance(prompt, list):
            raise ValidationFailed("A chat prompt is a list of messages.", [{"field": "prompt"}])
        for i, message in enumerate(prompt):
            if not _valid_message(message):
                raise ValidationFailed(
                    f"Message {i} is neither {{role, content}} nor {{type: 'placeholder', name}}.",
                    [{"field": f"prompt.{i}", "message": "invalid chat message"}],
                )


def _valid_message(message: dict[str, Any]) -> bool:
    if message.get("type") == "placeholder":
        return isinstance(message.get("name"), str) and bool(message["name"])
    return isinstance(message.get("role"), str) and isinstance(message.get("content"), str)


def _author(scope: ProjectScope, given: str | None) -> str | None:
    if given:
        return given
    principal = scope.principal
    if principal.user is not None:
        return str(principal.user["email"])
    return str(principal.key["name"] or principal.key["public_key"]) if principal.key else None


def create_version(rt: Runtime, scope: ProjectScope, name: str, body: VersionIn) -> PromptVersion:
    """Add the next version of `name` (creating the prompt); `latest` moves to it."""
    scope.require_write()
    check_path_name(name, RESERVED_SEGMENTS)
    labels = check_labels([*body.labels, LATEST])
    try:
        with rt.db.writer.begin() as conn:
            number = _write_version(conn, scope, name, body, labels)
    except IntegrityError as exc:
        raise Conflict(f"Prompt {name!r} changed concurrently; retry.") from exc
    return get_version(rt, scope, name, Selector(version=number, resolve=False))


def _write_version(
    conn: Connection, scope: ProjectScope, name: str, body: VersionIn, labels: list[str]
) -> int:
    now = now_us()
    prompt = store.find_prompt(conn, scope.project_rowid, name, lock=True)
    if prompt is None:
        prompt = store.insert_prompt(
            conn,
            {
                "project_rowid": scope.project_rowid,
                "id": new_id(),
                "name": name,
                "type": body.type or "text",
                "tags": jsontext.dumps(sorted(set(body.tags or []))),
                "created_at": now,
                "updated_at": now,
            },
        )
    elif body.type is not None and body.type != prompt["type"]:
        raise InvalidRequest(
            f"Prompt {name!r} is a {prompt['type']} prompt; a new version cannot be {body.type}."
        )
    _check_prompt(prompt["type"], body.prompt)
    number = int(prompt["last_version"]) + 1
    store.insert_version(
        conn,
        {
            "prompt_rowid": prompt["prompt_rowid"],
            "id": new_id(),
            "version": number,
            "prompt": jsontext.dumps(body.prompt),
            "config": jsontext.dumps(body.config),
            "commit_message": body.commit_message,
            "author": _author(scope, body.author),
            "created_at": now,
        },
    )
    changes: dict[str, Any] = {"last_version": number, "updated_at": now}
    if body.tags is not None:
        changes["tags"] = jsontext.dumps(sorted(set(body.tags)))
    store.update_prompt(conn, prompt["prompt_rowid"], **changes)
    _set_labels(conn, prompt["prompt_rowid"], labels, number, now)
    _audit(conn, scope, "prompt.version_create", name, after={"version": number, "labels": labels})
    return number


def _audit(conn: Connection, scope: ProjectScope, action: str, name: str, **change: Any) -> None:
    audit.record(conn, action, ("prompt", name), project_rowid=scope.project_rowid, **change)


def _set_labels(
    conn: Connection, prompt_rowid: int, labels: list[str], version: int, now: int
) -> None:
    """Labels read back in the order they were set (Langfuse's: the given ones, then `latest`):
    each gets its own time, a microsecond apart."""
    for offset, label in enumerate(labels):
        store.set_label(conn, prompt_rowid, label, version, now + offset)


def _prompt(conn: Connection, scope: ProjectScope, name: str) -> Any:
    prompt = store.find_prompt(conn, scope.project_rowid, name)
    if prompt is None:
        raise NotFound(f"Prompt not found: {name!r}.")
    return prompt


def _resolve(conn: Connection, prompt: Any, selector: Selector, fallback: bool) -> int:
    name = prompt["name"]
    if selector.version is not None:
        return selector.version
    label = selector.label or PRODUCTION
    number = store.labelled_version(conn, prompt["prompt_rowid"], label)
    if number is None and fallback and selector.label is None:
        number = store.labelled_version(conn, prompt["prompt_rowid"], LATEST)
    if number is None:
        raise NotFound(f"Prompt not found: '{name}' with label '{label}'")
    return number


def get_version(
    rt: Runtime, scope: ProjectScope, name: str, selector: Selector, *, fallback: bool = True
) -> PromptVersion:
    """The selected version. With neither version nor label: `production`, then (when
    `fallback`) `latest`. Langfuse's API serves `production` only."""
    with rt.db.reader.connect() as conn:
        prompt = store.find_prompt(conn, scope.project_rowid, name)
        if prompt is None:
            label = selector.label or PRODUCTION
            what = f"version {selector.version}" if selector.version else f"label '{label}'"
            raise NotFound(f"Prompt not found: '{name}' with {what}")
        number = _resolve(conn, prompt, selector, fallback)
        row = store.get_version(conn, prompt["prompt_rowid"], number)
        if row is None:
            raise NotFound(f"Prompt not found: '{name}' with version {number}")
        labels = store.labels(conn, [prompt["prompt_rowid"]]).get(prompt["prompt_rowid"], {})
        stored = jsontext.loads(row["prompt"])
        resolved = None
        if selector.resolve and compose.has_references(stored):
            resolved = compose.resolve(stored, _lookup(conn, scope))
    return PromptVersion(prompt, row, labels.get(number, []), resolved)


def _lookup(conn: Connection, scope: ProjectScope) -> compose.Lookup:
    """Referenced prompts, read in the same connection."""

    def lookup(name: str, kind: str, value: str) -> Any:
        prompt = store.find_prompt(conn, scope.project_rowid, name)
        if prompt is None:
            raise InvalidRequest(f"Referenced prompt not found: '{name}' with {kind} '{value}'.")
        if kind == "version":
            if not value.isdigit():
                raise InvalidRequest(f"Invalid version {value!r} in a reference to {name!r}.")
            selector = Selector(version=int(value))
        else:
            selector = Selector(label=value)
        row = store.get_version(
            conn, prompt["prompt_rowid"], _resolve(conn, prompt, selector, False)
        )
        if row is None:
            raise InvalidRequest(f"Referenced prompt not found: '{name}' with {kind} '{value}'.")
        return jsontext.loads(row["prompt"])

    return lookup


def list_versions(rt: Runtime, scope: ProjectScope, name: str) -> list[PromptVersion]:
    with rt.db.reader.connect() as conn:
        prompt = _prompt(conn, scope, name)
        rows = store.versions(conn, prompt["prompt_rowid"])
        labels = store.labels(conn, [prompt["prompt_rowid"]]).get(prompt["prompt_rowid"], {})
    return [PromptVersion(prompt, row, labels.get(row["version"], [])) for row in rows]


@dataclass(frozen=True, slots=True)
class PromptSummary:
    prompt: Any
    versions: list[int]
    labels: dict[int, list[str]]
    last_config: Any


def list_prompts(
    rt: Runtime,
    scope: ProjectScope,
    filters: dict[str, str | None],
    page: PageParams,
    versions: Sequence[ColumnElement[bool]] = (),
) -> tuple[list[PromptSummary], int]:
    """Prompts (most recently changed first), each with its versions and labels; with
    `versions` conditions, only prompts having a version that meets them all."""
    with rt.db.reader.connect() as conn:
        rows, total = store.list_prompts(conn, scope.project_rowid, filters, page, versions)
        ids = [row["prompt_rowid"] for row in rows]
        numbers = store.version_numbers(conn, ids)
        labels = store.labels(conn, ids)
        newest = {
            row["prompt_rowid"]: store.get_version(conn, row["prompt_rowid"], row["last_version"])
            for row in rows
        }
    summaries = []
    for row in rows:
        rowid, last = row["prompt_rowid"], newest[row["prompt_rowid"]]
        config = jsontext.loads(last["config"]) if last is not None else None
        summaries.append(PromptSummary(row, numbers.get(rowid, []), labels.get(rowid, {}), config))
    return summaries, total


def set_labels(
    rt: Runtime, scope: ProjectScope, name: str, version: int, labels: list[str]
) -> PromptVersion:
    """Put `labels` on `version` (each moves off its previous version); `latest` is reserved."""
    scope.require_write()
    labels = check_labels(labels)
    if LATEST in labels:
        raise InvalidRequest("The `latest` label is reserved: it always marks the newest version.")
    with rt.db.writer.begin() as conn:
        prompt = _prompt(conn, scope, name)
        if store.get_version(conn, prompt["prompt_rowid"], version) is None:
            raise NotFound(f"Prompt {name!r} has no version {version}.")
        now = now_us()
        _set_labels(conn, prompt["prompt_rowid"], labels, version, now)
        store.update_prompt(conn, prompt["prompt_rowid"], updated_at=now)
        _audit(conn, scope, "prompt.labels", name, after={"version": version, "labels": labels})
    return get_version(rt, scope, name, Selector(version=version, resolve=False))


def remove_label(rt: Runtime, scope: ProjectScope, name: str, label: str) -> None:
    scope.require_write()
    if label == LATEST:
        raise InvalidRequest("The `latest` label is reserved: it always marks the newest version.")
    with rt.db.writer.begin() as conn:
        prompt = _prompt(conn, scope, name)
        if not store.remove_label(conn, prompt["prompt_rowid"], label):
            raise NotFound(f"Prompt {name!r} has no label {label!r}.")
        _audit(conn, scope, "prompt.label_remove", name, before={"label": label})


def delete(rt: Runtime, scope: ProjectScope, name: str, selector: Selector | None) -> None:
    """Delete the whole prompt, or (with a selector) one version; `latest` then moves to the
    newest remaining version, and a prompt left without versions is deleted."""
    scope.require_write()
    with rt.db.writer.begin() as conn:
        prompt = _prompt(conn, scope, name)
        rowid = prompt["prompt_rowid"]
        if selector is None:
            store.delete_prompt(conn, rowid)
            _audit(conn, scope, "prompt.delete", name)
            return
        version = _resolve(conn, prompt, selector, fallback=False)
        store.delete_version(conn, rowid, version)
        _audit(conn, scope, "prompt.version_delete", name, before={"version": version})
        remaining = store.versions(conn, rowid)
        if not remaining:
            store.delete_prompt(conn, rowid)
        elif store.labelled_version(conn, rowid, LATEST) is None:
            store.set_label(conn, rowid, LATEST, remaining[0]["version"], now_us())


def compile_prompt(
    rt: Runtime, scope: ProjectScope, name: str, selector: Selector, body: CompileIn
) -> tuple[PromptVersion, Any]:
    """The selected version compiled; missing variables or placeholders are a 422 naming them."""
    found = get_version(rt, scope, name, selector)
    try:
        compiled = compiler.compile_prompt(found.text, body.variables, body.placeholders)
    except compiler.MissingValues as exc:
        details = [
            *({"field": f"variables.{n}", "message": "missing"} for n in exc.variables),
            *({"field": f"placeholders.{n}", "message": "missing"} for n in exc.placeholders),
        ]
        raise ValidationFailed(str(exc), details) from exc
    return found, compiled


@deadline.limited
def metrics(rt: Runtime, scope: ProjectScope, name: str) -> list[dict[str, Any]]:
    """Per version: usage, latency, cost and scores of the generations that named it."""
    with rt.db.reader.connect() as conn:
        prompt = _prompt(conn, scope, name)
        numbers = [row["version"] for row in store.versions(conn, prompt["prompt_rowid"])]
        usage = {r["version"]: r for r in store.generation_metrics(conn, scope.project_rowid, name)}
        score_rows = store.score_metrics(conn, scope.project_rowid, name)
    scores: dict[Any, dict[str, Any]] = {}
    for row in score_rows:
        scores.setdefault(row["version"], {})[row["name"]] = {
            "avg": row["avg"],
            "count": row["count"],
        }
    versions = sorted(set(numbers) | {v for v in usage if v is not None}, reverse=True)
    return [_metric_row(v, usage.get(v), scores.get(v, {})) for v in versions]


def _metric_row(version: int, usage: Any, scores: dict[str, Any]) -> dict[str, Any]:
    fields = ("generations", "traces", "input_tokens", "output_tokens")
    numbers = ("avg_latency_ms", "max_latency_ms", "total_cost", "avg_cost")
    return {
        "version": version,
        **{f: int(usage[f] or 0) if usage else 0 for f in fields},
        **{f: float(usage[f]) if usage and usage[f] is not None else None for f in numbers},
        "first_used_at": iso(usage["first_used"]) if usage else None,
        "last_used_at": iso(usage["last_used"]) if usage else None,
        "scores": scores,
    }
