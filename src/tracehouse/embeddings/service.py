"""Which embedder a project uses: its own choice (`PUT /api/v1/embedder`), else the server's
(`TRACEHOUSE_EMBEDDER`), else none (keyword search only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from tracehouse.audit import service as audit
from tracehouse.clock import iso, now_us
from tracehouse.embeddings import store
from tracehouse.embeddings.base import Embedder, EmbedderUnavailable
from tracehouse.embeddings.local import StaticEmbedder
from tracehouse.embeddings.remote import ProviderEmbedder
from tracehouse.embeddings.schemas import EmbedderIn
from tracehouse.errors import InvalidRequest, NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.providers import service as providers
from tracehouse.runtime import Runtime


@dataclass(frozen=True, slots=True)
class Choice:
    """An embedder as configured (not yet opened); `source` is `project` or `server`."""

    kind: str
    model: str | None = None
    credential: str | None = None
    source: str = "server"
    updated_at: int | None = None


def parse_setting(spec: str | None) -> Choice | None:
    """`TRACEHOUSE_EMBEDDER` (already validated by the settings) as a choice."""
    if spec is None:
        return None
    kind, _, rest = spec.partition(":")
    if kind == "provider":
        credential, _, model = rest.partition(":")
        return Choice("provider", model, credential)
    return Choice(kind, rest)


def choice(rt: Runtime, project_rowid: int) -> Choice | None:
    """The project's own choice, else the server's; None: keyword only."""
    with rt.db.reader.connect() as conn:
        row = store.get_choice(conn, project_rowid)
    if row is None:
        return parse_setting(rt.settings.embedder)
    if row["kind"] == "none":
        return None
    return Choice(row["kind"], row["model"], row["credential"], "project", row["updated_at"])


def _local_model(rt: Runtime, picked: Choice) -> str:
    """Where a model2vec model is read from: the server's setting as written; a project's name
    only inside the models directory or the Hugging Face cache (never any path it likes)."""
    model = str(picked.model)
    if picked.source == "server":
        return model
    parts = PurePosixPath(model).parts
    if model.startswith(("/", "\\")) or ".." in parts or "\\" in model:
        raise InvalidRequest("A project names a model2vec model, not a path.", {"field": "model"})
    folder = rt.settings.resolved_models_dir / model
    return str(folder) if folder.is_dir() else model


def open_embedder(rt: Runtime, project_rowid: int, picked: Choice) -> Embedder:
    """The embedder of a choice; raises `EmbedderUnavailable` when it cannot be used."""
    if picked.kind == "model2vec":
        allow = rt.settings.embedder_allow_download
        return StaticEmbedder.open(_local_model(rt, picked), allow_download=allow)
    try:
        provider, _ = providers.provider(rt, project_rowid, str(picked.credential))
    except NotFound as exc:
        raise EmbedderUnavailable(
            f"This project has no provider credential {picked.credential!r} for embeddings."
        ) from exc
    return ProviderEmbedder(provider, str(picked.model))


def for_project(rt: Runtime, project_rowid: int) -> Embedder | None:
    """The project's embedder, or None when it uses keyword search only; raises
    `EmbedderUnavailable` when one is configured but cannot be used."""
    picked = choice(rt, project_rowid)
    return None if picked is None else open_embedder(rt, project_rowid, picked)


def describe(rt: Runtime, scope: ProjectScope) -> dict[str, Any]:
    """The embedder in force, where it comes from, and its indexes' models."""
    picked = choice(rt, scope.project_rowid)
    if picked is None:
        return {
            "kind": "none",
            "model": None,
            "credential": None,
            "source": _none_source(rt, scope),
        }
    return {
        "kind": picked.kind,
        "model": picked.model,
        "credential": picked.credential,
        "source": picked.source,
        "updated_at": iso(picked.updated_at) if picked.updated_at else None,
    }


def _none_source(rt: Runtime, scope: ProjectScope) -> str:
    with rt.db.reader.connect() as conn:
        return "project" if store.get_choice(conn, scope.project_rowid) else "server"


def _check(rt: Runtime, scope: ProjectScope, body: EmbedderIn) -> None:
    if body.kind == "none":
        return
    if body.kind == "provider" and not body.credential:
        raise InvalidRequest("A provider embedder names its credential.", {"field": "credential"})
    if not body.model:
        raise InvalidRequest(f"A {body.kind} embedder names its model.", {"field": "model"})
    picked = Choice(body.kind, body.model, body.credential, "project")
    try:
        open_embedder(rt, scope.project_rowid, picked)
    except EmbedderUnavailable as exc:
        raise InvalidRequest(str(exc)) from exc


def put(rt: Runtime, scope: ProjectScope, body: EmbedderIn) -> dict[str, Any]:
    """Set the project's embedder (checked first: the credential exists and speaks the
    embeddings API, the model loads); indexes built with another model are rebuilt."""
    scope.require_write()
    _check(rt, scope, body)
    values = {
        "kind": body.kind,
        "model": body.model,
        "credential": body.credential,
        "updated_at": now_us(),
    }
    with rt.db.writer.begin() as conn:
        store.put_choice(conn, scope.project_rowid, values)
        after = {"kind": body.kind, "model": body.model, "provider": body.credential}
        audit.record(
            conn, "embedder.update", ("project", scope.project_id), **_in(scope), after=after
        )
    return describe(rt, scope)


def reset(rt: Runtime, scope: ProjectScope) -> None:
    """Back to the server's embedder."""
    scope.require_write()
    with rt.db.writer.begin() as conn:
        if not store.delete_choice(conn, scope.project_rowid):
            raise NotFound("This project has no embedder of its own.")
        audit.record(conn, "embedder.reset", ("project", scope.project_id), **_in(scope))


def _in(scope: ProjectScope) -> dict[str, Any]:
    return {"project_rowid": scope.project_rowid}
