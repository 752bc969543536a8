"""SQL for skills, their versions and labels."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from tracehouse.http.pagination import PageParams, paginate
from tracehouse.prompts.store import tag_pattern
from tracehouse.store.tables import skill_labels, skill_versions, skills


def _visible(project_rowid: int, org_rowid: int) -> Any:
    """The project's own skills and its organization's."""
    s = skills.c
    return or_(
        s.project_rowid == project_rowid,
        and_(s.scope == "organization", s.org_rowid == org_rowid),
    )


def find_skill(
    conn: Connection, project_rowid: int, org_rowid: int, skill_id: str, *, lock: bool = False
) -> Any:
    query = select(skills).where(_visible(project_rowid, org_rowid), skills.c.id == skill_id)
    if lock:
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def find_by_name(conn: Connection, project_rowid: int, org_rowid: int, name: str) -> Any:
    """The project's skill of that name, else the organization's."""
    s = skills.c
    query = (
        select(skills)
        .where(_visible(project_rowid, org_rowid), s.name == name)
        .order_by(s.scope.desc())  # "project" before "organization"
    )
    return conn.execute(query).mappings().first()


def insert_skill(conn: Connection, values: dict[str, Any]) -> Any:
    conn.execute(insert(skills).values(**values))
    return conn.execute(select(skills).where(skills.c.id == values["id"])).mappings().first()


def update_skill(conn: Connection, skill_rowid: int, **values: Any) -> None:
    conn.execute(update(skills).where(skills.c.skill_rowid == skill_rowid).values(**values))


def delete_skill(conn: Connection, skill_rowid: int) -> None:
    conn.execute(delete(skills).where(skills.c.skill_rowid == skill_rowid))


def insert_version(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(skill_versions).values(**values))


def get_version(conn: Connection, skill_rowid: int, version: int) -> Any:
    v = skill_versions.c
    query = select(skill_versions).where(v.skill_rowid == skill_rowid, v.version == version)
    return conn.execute(query).mappings().first()


def versions(conn: Connection, skill_rowid: int) -> list[Any]:
    v = skill_versions.c
    query = select(skill_versions).where(v.skill_rowid == skill_rowid).order_by(v.version.desc())
    return list(conn.execute(query).mappings())


def labelled_version(conn: Connection, skill_rowid: int, label: str) -> int | None:
    l_ = skill_labels.c
    query = select(l_.version).where(l_.skill_rowid == skill_rowid, l_.label == label)
    value = conn.execute(query).scalar_one_or_none()
    return None if value is None else int(value)


def labels(conn: Connection, skill_rowids: list[int]) -> dict[int, dict[int, list[str]]]:
    """{skill rowid: {version: [labels]}}, each version's in the order they were set."""
    l_ = skill_labels.c
    query = (
        select(l_.skill_rowid, l_.version, l_.label)
        .where(l_.skill_rowid.in_(skill_rowids))
        .order_by(l_.updated_at, l_.label)
    )
    out: dict[int, dict[int, list[str]]] = {}
    for row in conn.execute(query):
        out.setdefault(row.skill_rowid, {}).setdefault(row.version, []).append(row.label)
    return out


def set_label(conn: Connection, skill_rowid: int, label: str, version: int, now: int) -> None:
    remove_label(conn, skill_rowid, label)
    conn.execute(
        insert(skill_labels).values(
            skill_rowid=skill_rowid, label=label, version=version, updated_at=now
        )
    )


def remove_label(conn: Connection, skill_rowid: int, label: str) -> int:
    l_ = skill_labels.c
    result = conn.execute(
        delete(skill_labels).where(l_.skill_rowid == skill_rowid, l_.label == label)
    )
    return int(result.rowcount)


def list_skills(
    conn: Connection,
    project_rowid: int,
    org_rowid: int,
    filters: dict[str, Any],
    page: PageParams,
) -> tuple[list[Any], int]:
    s = skills.c
    conditions: list[Any] = [_visible(project_rowid, org_rowid)]
    if filters.get("scope"):
        conditions.append(s.scope == filters["scope"])
    if filters.get("name"):
        conditions.append(s.name == filters["name"])
    for tag in filters.get("tags") or []:
        conditions.append(s.tags.like(tag_pattern(tag), escape="\\"))
    query = paginate(select(skills).where(*conditions), [s.updated_at, s.skill_rowid], page)
    total = conn.execute(select(func.count()).select_from(skills).where(*conditions)).scalar_one()
    return list(conn.execute(query).mappings()), int(total)
