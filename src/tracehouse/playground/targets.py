"""Which credential and model each playground target runs on: a credential by id or name, the
project's first credential of a kind, or its only one; clear 4xx errors when none fits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracehouse.errors import InvalidRequest, NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.playground.schemas import Target
from tracehouse.providers import service as providers
from tracehouse.providers import store as provider_store
from tracehouse.providers.client import KINDS, Provider
from tracehouse.runtime import Runtime


@dataclass(frozen=True)
class Planned:
    """One model to run: the credential (its name and kind), the callable provider, the model."""

    index: int
    credential: str
    kind: str
    provider: Provider
    model: str

    def describe(self) -> dict[str, Any]:
        return {"index": self.index, "provider": self.credential, "kind": self.kind,
                "model": self.model}  # fmt: skip


def credentials(rt: Runtime, project_rowid: int) -> list[Any]:
    """The project's credentials, oldest first (the "first of a kind" is the oldest)."""
    with rt.db.reader.connect() as conn:
        rows, _ = provider_store.CREDENTIALS.page(conn, project_rowid)
    return list(reversed(rows))


def _credential(rows: list[Any], ref: str | None) -> Any:
    if ref is None:
        if len(rows) == 1:
            return rows[0]
        if not rows:
            raise InvalidRequest(
                "No provider credential in this project: add one (Settings → Providers, or "
                "POST /api/v1/providers) to run the playground.",
                {"field": "targets.provider"},
            )
        raise InvalidRequest("Several provider credentials: name one in `provider`.")
    for row in rows:
        if ref in (row["id"], row["name"]):
            return row
    if ref in KINDS:
        found = next((row for row in rows if row["kind"] == ref), None)
        if found is not None:
            return found
        raise InvalidRequest(
            f"No {ref} credential in this project: add one under Settings → Providers.",
            {"field": "targets.provider", "kind": ref},
        )
    raise NotFound(f"No provider credential {ref!r}.")


def plan(rt: Runtime, scope: ProjectScope, targets: list[Target]) -> list[Planned]:
    """Each target resolved (nothing is called yet)."""
    rows = credentials(rt, scope.project_rowid)
    planned = []
    for index, target in enumerate(targets):
        row = _credential(rows, target.provider)
        model = target.model or row["default_model"]
        if not model:
            raise InvalidRequest(
                f"Name a model for {row['name']!r} (the credential has no default model).",
                {"field": f"targets.{index}.model"},
            )
        provider, _ = providers.provider(rt, scope.project_rowid, row["id"])
        planned.append(Planned(index, row["name"], row["kind"], provider, model))
    return planned
