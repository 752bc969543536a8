"""The rules of skills: scopes, immutable versions, labels (as prompts have), lookup by id
or name, and diffs between versions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from tracehouse import jsontext
from tracehouse.audit import service as audit
from tracehouse.clock import now_us
from tracehouse.errors import Conflict, Forbidden, InvalidRequest, NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams
from tracehouse.ids import new_id
from tracehouse.prompts.service import LATEST, PRODUCTION, check_labels
from tracehouse.runtime import Runtime
from tracehouse.skills import store, usage
from tracehouse.skills.schemas import SkillIn, SkillPatch, SkillSelector

#: Version fields a PATCH may leave out (then carried over from the newest version).
_CARRIED = ("description", "body", "metadata", "files")


@dataclass(frozen=True, slots=True)
class SkillVersion:
    """One version of a skill, with the skill and the version's current labels."""

    skill: Any
    version: Any
    labels: list[str]


def _require_write(scope: ProjectScope, skill_scope: str) -> None:
    """Organization skills reach every project: a key bound to one project cannot write them."""
    scope.require_write()
    key = scope.principal.key
    if skill_scope == "organization" and key is not None and key["project_rowid"] is not None:
        raise Forbidden(
            "Organization skills are written with an organization key or a login token."
        )


def _author(scope: ProjectScope) -> str | None:
    principal = scope.principal
    if principal.user is not None:
        return str(principal.user["email"])
    return str(principal.key["name"] or principal.key["public_key"]) if principal.key else None


def _audit(conn: Connection, scope: ProjectScope, skill: Any, verb: str, **change: Any) -> None:
    """An audit entry on the skill (an organization skill's names no project)."""
    project = scope.project_rowid if skill["scope"] == "project" else None
    target = ("skill", f"{skill['scope']}:{skill['name']}")
    audit.record(
        conn, f"skill.{verb}", target, org_rowid=scope.org_rowid, project_rowid=project, **change
    )


def _skill(conn: Connection, scope: ProjectScope, skill_id: str, *, lock: bool = False) -> Any:
    skill = store.find_skill(conn, scope.project_rowid, scope.org_rowid, skill_id, lock=lock)
    if skill is None:
        raise NotFound(f"Skill not found: {skill_id!r}.")
    return skill


def create(rt: Runtime, scope: ProjectScope, body: SkillIn) -> SkillVersion:
    """A new skill with version 1 (`latest`, plus the given labels)."""
    _require_write(scope, body.scope)
    labels = check_labels([*body.labels, LATEST])
    owner = scope.project_rowid if body.scope == "project" else scope.org_rowid
    now = now_us()
    values = {
        "org_rowid": scope.org_rowid,
        "project_rowid": scope.project_rowid if body.scope == "project" else None,
        "id": new_id(),
        "scope": body.scope,
        "owner_rowid": owner,
        "name": body.name,
        "tags": jsontext.dumps(sorted(set(body.tags or []))),
        "created_at": now,
        "updated_at": now,
    }
    try:
        with rt.db.writer.begin() as conn:
            skill = store.insert_skill(conn, values)
            _write_version(conn, scope, skill, body.model_dump(), labels, now)
            _audit(conn, scope, skill, "create", after={"scope": body.scope, "labels": labels})
    except IntegrityError as exc:
        raise Conflict(f"A {body.scope} skill named {body.name!r} exists already.") from exc
    return get(rt, scope, str(values["id"]), SkillSelector(version=1))


def _write_version(
    conn: Connection,
    scope: ProjectScope,
    skill: Any,
    fields: dict[str, Any],
    labels: list[str],
    now: int,
) -> int:
    number = int(skill["last_version"]) + 1
    store.insert_version(
        conn,
        {
            "skill_rowid": skill["skill_rowid"],
            "version": number,
            "description": fields["description"],
            "body": fields["body"],
            "metadata": jsontext.dumps(fields["metadata"]),
            "files": jsontext.dumps(fields["files"]),
            "commit_message": fields.get("commit_message"),
            "author": _author(scope),
            "created_at": now,
        },
    )
    changes: dict[str, Any] = {"last_version": number, "updated_at": now}
    if fields.get("tags") is not None:
        changes["tags"] = jsontext.dumps(sorted(set(fields["tags"])))
    store.update_skill(conn, skill["skill_rowid"], **changes)
    for offset, label in enumerate(labels):
        store.set_label(conn, skill["skill_rowid"], label, number, now + offset)
    return number


def update(rt: Runtime, scope: ProjectScope, skill_id: str, body: SkillPatch) -> SkillVersion:
    """A new immutable version; fields left out are the newest version's."""
    labels = check_labels([*body.labels, LATEST])
    try:
        with rt.db.writer.begin() as conn:
            skill = _skill(conn, scope, skill_id, lock=True)
            _require_write(scope, skill["scope"])
            newest = store.get_version(conn, skill["skill_rowid"], skill["last_version"])
            fields = body.model_dump()
            for name in _CARRIED:
                if fields[name] is None and newest is not None:
                    kept = newest[name]
                    fields[name] = kept if name in ("description", "body") else jsontext.loads(kept)
            if fields["body"] is None:
                raise InvalidRequest("This skill has no version to carry a body over from.")
            number = _write_version(conn, scope, skill, fields, labels, now_us())
            _audit(conn, scope, skill, "version_create", after={"version": number})
    except IntegrityError as exc:
        raise Conflict(f"Skill {skill_id!r} changed concurrently; retry.") from exc
    return get(rt, scope, skill_id, SkillSelector(version=number))


def _resolve(conn: Connection, skill: Any, selector: SkillSelector) -> int:
    if selector.version is not None:
        return selector.version
    label = selector.label or PRODUCTION
    number = store.labelled_version(conn, skill["skill_rowid"], label)
    if number is None and selector.label is None:
        number = store.labelled_version(conn, skill["skill_rowid"], LATEST)
    if number is None:
        raise NotFound(f"Skill {skill['name']!r} has no label {label!r}.")
    return number


def _version(conn: Connection, skill: Any, selector: SkillSelector) -> SkillVersion:
    number = _resolve(conn, skill, selector)
    row = store.get_version(conn, skill["skill_rowid"], number)
    if row is None:
        raise NotFound(f"Skill {skill['name']!r} has no version {number}.")
    labels = store.labels(conn, [skill["skill_rowid"]]).get(skill["skill_rowid"], {})
    return SkillVersion(skill, row, labels.get(number, []))


def get(rt: Runtime, scope: ProjectScope, skill_id: str, selector: SkillSelector) -> SkillVersion:
    """`?version=` or `?label=`; neither: `production`, else `latest`."""
    with rt.db.reader.connect() as conn:
        return _version(conn, _skill(conn, scope, skill_id), selector)


def get_by_name(
    rt: Runtime, scope: ProjectScope, name: str, selector: SkillSelector
) -> SkillVersion:
    """The project's skill of that name, else the organization's."""
    with rt.db.reader.connect() as conn:
        skill = store.find_by_name(conn, scope.project_rowid, scope.org_rowid, name)
        if skill is None:
            raise NotFound(f"Skill not found: {name!r}.")
        return _version(conn, skill, selector)


def versions(rt: Runtime, scope: ProjectScope, skill_id: str) -> list[SkillVersion]:
    with rt.db.reader.connect() as conn:
        skill = _skill(conn, scope, skill_id)
        rows = store.versions(conn, skill["skill_rowid"])
        labels = store.labels(conn, [skill["skill_rowid"]]).get(skill["skill_rowid"], {})
    return [SkillVersion(skill, row, labels.get(row["version"], [])) for row in rows]


def list_skills(
    rt: Runtime, scope: ProjectScope, filters: dict[str, Any], page: PageParams
) -> tuple[list[SkillVersion], int]:
    """Skills (most recently changed first), each as its newest version."""
    tags = [t.strip() for t in (filters.get("tags") or "").split(",") if t.strip()]
    with rt.db.reader.connect() as conn:
        rows, total = store.list_skills(
            conn, scope.project_rowid, scope.org_rowid, {**filters, "tags": tags}, page
        )
        labels = store.labels(conn, [row["skill_rowid"] for row in rows])
        items = [
            SkillVersion(
                row,
                store.get_version(conn, row["skill_rowid"], row["last_version"]),
                labels.get(row["skill_rowid"], {}).get(row["last_version"], []),
            )
            for row in rows
        ]
    return items, total


def move_label(
    rt: Runtime, scope: ProjectScope, skill_id: str, label: str, version: int
) -> SkillVersion:
    """Put `label` on `version` (it moves off its previous version); `latest` is reserved."""
    (label,) = check_labels([label])
    if label == LATEST:
        raise InvalidRequest("The `latest` label is reserved: it always marks the newest version.")
    with rt.db.writer.begin() as conn:
        skill = _skill(conn, scope, skill_id)
        _require_write(scope, skill["scope"])
        if store.get_version(conn, skill["skill_rowid"], version) is None:
            raise NotFound(f"Skill {skill['name']!r} has no version {version}.")
        now = now_us()
        store.set_label(conn, skill["skill_rowid"], label, version, now)
        store.update_skill(conn, skill["skill_rowid"], updated_at=now)
        _audit(conn, scope, skill, "label", after={"label": label, "version": version})
    return get(rt, scope, skill_id, SkillSelector(version=version))


def remove_label(rt: Runtime, scope: ProjectScope, skill_id: str, label: str) -> None:
    if label == LATEST:
        raise InvalidRequest("The `latest` label is reserved: it always marks the newest version.")
    with rt.db.writer.begin() as conn:
        skill = _skill(conn, scope, skill_id)
        _require_write(scope, skill["scope"])
        if not store.remove_label(conn, skill["skill_rowid"], label):
            raise NotFound(f"Skill {skill['name']!r} has no label {label!r}.")
        _audit(conn, scope, skill, "label_remove", before={"label": label})


def delete(rt: Runtime, scope: ProjectScope, skill_id: str) -> None:
    """The skill with every version and label."""
    with rt.db.writer.begin() as conn:
        skill = _skill(conn, scope, skill_id)
        _require_write(scope, skill["scope"])
        store.delete_skill(conn, skill["skill_rowid"])
        _audit(conn, scope, skill, "delete", before={"versions": skill["last_version"]})


def diff(rt: Runtime, scope: ProjectScope, skill_id: str, base: int, head: int) -> str:
    """A unified diff of two versions: the body, then the description, metadata and files."""
    with rt.db.reader.connect() as conn:
        skill = _skill(conn, scope, skill_id)
        old = _version(conn, skill, SkillSelector(version=base)).version
        new = _version(conn, skill, SkillSelector(version=head)).version
    return "".join(
        difflib.unified_diff(
            version_text(old).splitlines(keepends=True),
            version_text(new).splitlines(keepends=True),
            fromfile=f"{skill['name']}@v{base}",
            tofile=f"{skill['name']}@v{head}",
        )
    )


def version_text(row: Any) -> str:
    """A version as one text: body, then the other fields (each key on its own line)."""
    parts = [row["body"].rstrip("\n"), "", f"description: {row['description'] or ''}"]
    metadata = jsontext.loads(row["metadata"]) or {}
    parts += [f"metadata.{k}: {jsontext.dumps(metadata[k])}" for k in sorted(metadata)]
    files = jsontext.loads(row["files"]) or {}
    for name in sorted(files):
        parts += [f"--- file {name}", files[name].rstrip("\n")]
    return "\n".join(parts) + "\n"


def version_usage(
    rt: Runtime, scope: ProjectScope, skill_id: str, selector: SkillSelector
) -> dict[str, Any]:
    """The traces (and observations) of this project that used the version, their cost and
    scores (see `skills/usage.py`)."""
    with rt.db.reader.connect() as conn:
        found = _version(conn, _skill(conn, scope, skill_id), selector)
        number = int(found.version["version"])
        return usage.usage(conn, scope.project_rowid, found.skill["name"], number)
