"""SQL for prompts, their versions and labels, and the generations that used them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)

from tracehouse.http.pagination import PageParams, paginate
from tracehouse.store.clickhouse import bridge
from tracehouse.store.tables import observations, prompt_labels, prompt_versions, prompts, scores


def find_prompt(conn: Connection, project_rowid: int, name: str, *, lock: bool = False) -> Any:
    query = select(prompts).where(prompts.c.project_rowid == project_rowid, prompts.c.name == name)
    if lock:
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def insert_prompt(conn: Connection, values: dict[str, Any]) -> Any:
    conn.execute(insert(prompts).values(**values))
    return find_prompt(conn, values["project_rowid"], values["name"])


def update_prompt(conn: Connection, prompt_rowid: int, **values: Any) -> None:
    conn.execute(update(prompts).where(prompts.c.prompt_rowid == prompt_rowid).values(**values))


def insert_version(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(prompt_versions).values(**values))


def get_version(conn: Connection, prompt_rowid: int, version: int) -> Any:
    v = prompt_versions.c
    query = select(prompt_versions).where(v.prompt_rowid == prompt_rowid, v.version == version)
    return conn.execute(query).mappings().first()


def versions(conn: Connection, prompt_rowid: int) -> list[Any]:
    v = prompt_versions.c
    query = select(prompt_versions).where(v.prompt_rowid == prompt_rowid).order_by(v.version.desc())
    return list(conn.execute(query).mappings())


def version_numbers(conn: Connection, prompt_rowids: list[int]) -> dict[int, list[int]]:
    v = prompt_versions.c
    query = (
        select(v.prompt_rowid, v.version)
        .where(v.prompt_rowid.in_(prompt_rowids))
        .order_by(v.version)
    )
    out: dict[int, list[int]] = {}
    for row in conn.execute(query):
        out.setdefault(row.prompt_rowid, []).append(row.version)
    return out


def version_ids(
    conn: Connection, project_rowid: int, pairs: set[tuple[str, int]]
) -> dict[tuple[str, int], str]:
    """{(prompt name, version): the version's id} for the pairs that exist."""
    if not pairs:
        return {}
    p, v = prompts.c, prompt_versions.c
    query = (
        select(p.name, v.version, v.id)
        .select_from(prompts.join(prompt_versions, v.prompt_rowid == p.prompt_rowid))
        .where(p.project_rowid == project_rowid, p.name.in_({name for name, _ in pairs}))
    )
    found = {(row.name, int(row.version)): str(row.id) for row in conn.execute(query)}
    return {pair: found[pair] for pair in pairs if pair in found}


def labelled_version(conn: Connection, prompt_rowid: int, label: str) -> int | None:
    l_ = prompt_labels.c
    query = select(l_.version).where(l_.prompt_rowid == prompt_rowid, l_.label == label)
    value = conn.execute(query).scalar_one_or_none()
    return None if value is None else int(value)


def labels(conn: Connection, prompt_rowids: list[int]) -> dict[int, dict[int, list[str]]]:
    """{prompt rowid: {version: [labels]}}, each version's in the order they were set."""
    l_ = prompt_labels.c
    query = (
        select(l_.prompt_rowid, l_.version, l_.label)
        .where(l_.prompt_rowid.in_(prompt_rowids))
        .order_by(l_.updated_at, l_.label)
    )
    out: dict[int, dict[int, list[str]]] = {}
    for row in conn.execute(query):
        out.setdefault(row.prompt_rowid, {}).setdefault(row.version, []).append(row.label)
    return out


def set_label(conn: Connection, prompt_rowid: int, label: str, version: int, now: int) -> None:
    remove_label(conn, prompt_rowid, label)
    conn.execute(
        insert(prompt_labels).values(
            prompt_rowid=prompt_rowid, label=label, version=version, updated_at=now
        )
    )


def remove_label(conn: Connection, prompt_rowid: int, label: str) -> int:
    l_ = prompt_labels.c
    result = conn.execute(
        delete(prompt_labels).where(l_.prompt_rowid == prompt_rowid, l_.label == label)
    )
    return int(result.rowcount)


def delete_prompt(conn: Connection, prompt_rowid: int) -> None:
    conn.execute(delete(prompts).where(prompts.c.prompt_rowid == prompt_rowid))


def delete_version(conn: Connection, prompt_rowid: int, version: int) -> None:
    l_, v = prompt_labels.c, prompt_versions.c
    conn.execute(
        delete(prompt_labels).where(l_.prompt_rowid == prompt_rowid, l_.version == version)
    )
    conn.execute(
        delete(prompt_versions).where(v.prompt_rowid == prompt_rowid, v.version == version)
    )


def tag_pattern(tag: str) -> str:
    """A LIKE pattern matching a JSON list of strings (stored as text) that holds `tag`."""
    escaped = tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f'%"{escaped}"%'


def list_prompts(
    conn: Connection,
    project_rowid: int,
    filters: dict[str, str | None],
    page: PageParams,
    versions: Sequence[ColumnElement[bool]] = (),
) -> tuple[list[Any], int]:
    p, l_ = prompts.c, prompt_labels.c
    conditions: list[Any] = [p.project_rowid == project_rowid]
    if versions:
        v = prompt_versions.c
        conditions.append(exists().where(v.prompt_rowid == p.prompt_rowid, *versions))
    if filters.get("name"):
        conditions.append(p.name == filters["name"])
    if filters.get("tag"):
        conditions.append(p.tags.like(tag_pattern(str(filters["tag"])), escape="\\"))
    if filters.get("label"):
        conditions.append(
            exists().where(l_.prompt_rowid == p.prompt_rowid, l_.label == filters["label"])
        )
    query = paginate(select(prompts).where(*conditions), [p.updated_at, p.prompt_rowid], page)
    total = conn.execute(select(func.count()).select_from(prompts).where(*conditions)).scalar_one()
    return list(conn.execute(query).mappings()), int(total)


_COST = func.coalesce(observations.c.reported_total_cost, observations.c.computed_total_cost)
_LATENCY_MS = (observations.c.end_time - observations.c.start_time) / 1000.0


def generation_metrics(conn: Connection, project_rowid: int, name: str) -> list[Any]:
    """Per version: generations, traces, latency, tokens and cost of observations using it."""
    o = observations.c
    query = (
        select(
            o.prompt_version.label("version"),
            func.count().label("generations"),
            func.count(o.trace_id.distinct()).label("traces"),
            func.avg(_LATENCY_MS).label("avg_latency_ms"),
            func.max(_LATENCY_MS).label("max_latency_ms"),
            func.sum(o.input_tokens).label("input_tokens"),
            func.sum(o.output_tokens).label("output_tokens"),
            func.sum(_COST).label("total_cost"),
            func.avg(_COST).label("avg_cost"),
            func.min(o.start_time).label("first_used"),
            func.max(o.start_time).label("last_used"),
        )
        .where(o.project_rowid == project_rowid, o.prompt_name == name)
        .group_by(o.prompt_version)
    )
    return bridge.read_mappings(conn, query, project_rowid)


def score_metrics(conn: Connection, project_rowid: int, name: str) -> list[Any]:
    """Per version and score name: numeric scores on the generations or on their traces (a
    trace score counts once per version however many of its generations used the prompt)."""
    o, s = observations.c, scores.c
    on_generation = s.observation_id == o.id
    on_trace = and_(s.observation_id.is_(None), s.trace_id == o.trace_id)
    pairs = (
        select(o.prompt_version.label("version"), s.score_rowid, s.name, s.value)
        .distinct()
        .select_from(observations)
        .join(scores, and_(s.project_rowid == o.project_rowid, or_(on_generation, on_trace)))
        .where(
            o.project_rowid == project_rowid,
            o.prompt_name == name,
            s.data_type.in_(("NUMERIC", "BOOLEAN")),
        )
        .subquery()
    )
    query = select(
        pairs.c.version,
        pairs.c.name,
        func.avg(pairs.c.value).label("avg"),
        func.count().label("count"),
    ).group_by(pairs.c.version, pairs.c.name)
    return bridge.read_mappings(conn, query, project_rowid)
