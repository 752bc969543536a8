"""Tapes: publish a trace as a snapshot, re-publish, unpublish, list, read in public (with the
visibility, expiry and view-cap rules and deduplicated views), explore, feature."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracehouse import jsontext
from tracehouse.audit import service as audit
from tracehouse.clock import from_us, iso, now_us, to_us
from tracehouse.errors import Conflict, Forbidden, Gone, InvalidRequest, NotFound
from tracehouse.http.auth import ProjectScope
from tracehouse.http.pagination import PageParams
from tracehouse.masking.engine import Masker
from tracehouse.masking.rules import masker_of
from tracehouse.masking.service import mask_value
from tracehouse.projects import store as project_store
from tracehouse.runtime import Runtime
from tracehouse.tapes import snapshot, store
from tracehouse.tapes.schemas import ExploreParams, RedactionIn, TapeIn
from tracehouse.traces import service as traces

_DAY_US = 86_400_000_000


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who is looking, as far as view counting needs: never stored, only hashed per day."""

    address: str
    user_agent: str
    #: Whether the caller may see an organization's tapes (None: no credential was sent).
    in_org: Callable[[int], bool] | None = None


def publish(rt: Runtime, scope: ProjectScope, body: TapeIn) -> dict[str, Any]:
    """Snapshot the trace (of this project only) and publish it; a slug of this project's own
    tape re-publishes that tape."""
    scope.require_write()
    now = now_us()
    expires_at = to_us(body.expires_at)
    if expires_at is not None and expires_at <= now:
        raise InvalidRequest("`expires_at` is in the past.", {"field": "expires_at"})
    trace = traces.get_trace(rt, scope, body.trace_id, tree_depth=None)
    masker = project_masker(rt, scope)
    shown = snapshot.build(trace, body.redaction, masker)
    text = jsontext.dumps(shown) or "{}"
    values = {
        "trace_id": body.trace_id,
        "title": mask_value(masker, body.title or trace["name"] or "Untitled trace"),
        "description": mask_value(masker, body.description),
        "tags": jsontext.dumps(sorted({t.strip() for t in body.tags if t.strip()})),
        "visibility": body.visibility,
        "redaction": jsontext.dumps(body.redaction.model_dump()),
        "snapshot": text,
        "etag": hashlib.sha256(f"{now}:{text}".encode()).hexdigest()[:32],
        "expires_at": expires_at,
        "max_views": body.max_views,
        "step_count": len(shown["steps"]),
        "updated_at": now,
        "unpublished_at": None,
    }
    with rt.db.writer.begin() as conn:
        slug = _save(conn, scope, body.slug, values, now)
        shown = {"trace_id": body.trace_id, "visibility": body.visibility}
        audit.record(
            conn, "tape.publish", ("tape", slug), project_rowid=scope.project_rowid, after=shown
        )
        return owned(store.find(conn, slug))


def project_masker(rt: Runtime, scope: ProjectScope) -> Masker | None:
    """The project's masking rules as they are now (a tape is masked when it is published)."""
    with rt.db.reader.connect() as conn:
        return masker_of(conn, scope.project_rowid)


def _save(
    conn: Any, scope: ProjectScope, slug: str | None, values: dict[str, Any], now: int
) -> str:
    existing = store.find(conn, slug) if slug else None
    if existing is None:
        slug = slug or secrets.token_hex(16)  # 128 random bits
        store.insert_tape(
            conn,
            {
                **values,
                "slug": slug,
                "project_rowid": scope.project_rowid,
                "view_salt": secrets.token_hex(16),
                "published_at": now,
            },
        )
        return slug
    if existing["project_rowid"] != scope.project_rowid:
        raise Conflict(f"The slug {slug!r} is taken.", {"field": "slug"})
    store.update_tape(conn, existing["tape_rowid"], values)
    return str(existing["slug"])


def republish(rt: Runtime, scope: ProjectScope, slug: str) -> dict[str, Any]:
    """A fresh snapshot of the tape's trace with the tape's own choices (a past expiry is
    dropped: re-publishing brings the tape back)."""
    with rt.db.reader.connect() as conn:
        tape = _own(conn, scope, slug)
    expires_at = tape["expires_at"] if state(tape) != "expired" else None
    body = TapeIn(
        trace_id=tape["trace_id"],
        slug=tape["slug"],
        title=tape["title"],
        description=tape["description"],
        tags=jsontext.loads(tape["tags"]) or [],
        visibility=tape["visibility"],
        expires_at=from_us(expires_at),
        max_views=tape["max_views"],
        redaction=RedactionIn.model_validate(jsontext.loads(tape["redaction"])),
    )
    return publish(rt, scope, body)


def unpublish(rt: Runtime, scope: ProjectScope, slug: str) -> None:
    """Take the tape down: its copy is deleted and the slug answers 410 from now on."""
    scope.require_write()
    with rt.db.writer.begin() as conn:
        tape = _own(conn, scope, slug)
        now = now_us()
        store.update_tape(
            conn,
            tape["tape_rowid"],
            {"snapshot": None, "etag": None, "unpublished_at": now, "updated_at": now},
        )
        audit.record(conn, "tape.unpublish", ("tape", slug), project_rowid=scope.project_rowid)


def set_featured(rt: Runtime, slug: str, featured: bool) -> dict[str, Any]:
    with rt.db.writer.begin() as conn:
        tape = store.find(conn, slug)
        if tape is None:
            raise NotFound(f"No tape {slug!r}.")
        store.update_tape(conn, tape["tape_rowid"], {"featured": featured})
        return owned(store.find(conn, slug))


def _own(conn: Any, scope: ProjectScope, slug: str) -> Any:
    tape = store.find(conn, slug)
    if tape is None or tape["project_rowid"] != scope.project_rowid:
        raise NotFound(f"No tape {slug!r} in this project.")
    return tape


def get_owned(rt: Runtime, scope: ProjectScope, slug: str) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        return owned(_own(conn, scope, slug))


def list_project(rt: Runtime, scope: ProjectScope, page: PageParams) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        rows = store.project_tapes(conn, scope.project_rowid, page.limit + 1, page.offset)
        total = store.count_project_tapes(conn, scope.project_rowid)
    return _page(rows, page.limit, page.offset, total, owned)


def explore(rt: Runtime, params: ExploreParams) -> dict[str, Any]:
    now = now_us()
    with rt.db.reader.connect() as conn:
        rows, total = store.explore(
            conn,
            now=now,
            today=now // _DAY_US,
            sort=params.sort,
            tag=params.tag,
            featured=params.featured,
            limit=params.limit + 1,
            offset=params.offset,
        )
    return _page(rows, params.limit, params.offset, total, listed)


def _page(
    rows: list[Any], limit: int, offset: int, total: int, render: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    return {
        "data": [render(row) for row in rows[:limit]],
        "meta": {"total_count": total, "has_more": len(rows) > limit, "next_cursor": None},
    }


def read(rt: Runtime, slug: str, visitor: Visitor) -> dict[str, Any]:
    """The tape as strangers see it, once the rules let this visitor in (their view counted)."""
    return load(rt, admit(rt, slug, visitor))


def admit(rt: Runtime, slug: str, visitor: Visitor) -> Any:
    """The tape (without its copy) once the rules let this visitor in, their view counted:
    enough to answer a matching `If-None-Match` without reading the copy."""
    with rt.db.reader.connect() as conn:
        tape = store.find(conn, slug, with_snapshot=False)
        _check_live(tape, slug)
        if tape["visibility"] == "organization":
            project = project_store.find_project(conn, project_rowid=tape["project_rowid"])
            _check_member(visitor, project["org_rowid"])
        already = store.seen(conn, tape["tape_rowid"], *_visit(tape, visitor))
    if not already:
        _count_view(rt, tape, visitor)
    return tape


def load(rt: Runtime, tape: Any) -> dict[str, Any]:
    """The public body of an admitted tape."""
    with rt.db.reader.connect() as conn:
        copy = store.snapshot(conn, tape["tape_rowid"])
    if copy is None or copy.snapshot is None:
        raise Gone("This tape was unpublished.")
    return public({**tape, "snapshot": copy.snapshot, "etag": copy.etag})


def _check_live(tape: Any, slug: str) -> None:
    if tape is None:
        raise NotFound(f"No tape {slug!r}.")
    if tape["unpublished_at"] is not None:
        raise Gone("This tape was unpublished.")
    if tape["expires_at"] is not None and tape["expires_at"] <= now_us():
        raise Gone("This tape has expired.")


def _check_member(visitor: Visitor, org_rowid: int) -> None:
    if visitor.in_org is None:
        raise Forbidden("This tape is shared with its organization only: log in to see it.")
    if not visitor.in_org(org_rowid):
        raise Forbidden("This tape is shared with its organization only.")


def _visit(tape: Any, visitor: Visitor) -> tuple[int, str]:
    """Today's day number and the visitor's hash: keyed by the tape's secret salt and the day,
    so it links nobody across days or tapes, and no address is kept."""
    day = now_us() // _DAY_US
    message = f"{day}\n{visitor.address}\n{visitor.user_agent}".encode()
    digest = hmac.new(tape["view_salt"].encode(), message, hashlib.sha256).hexdigest()
    return day, digest[:32]


def _count_view(rt: Runtime, tape: Any, visitor: Visitor) -> None:
    day, who = _visit(tape, visitor)
    with rt.db.writer.begin() as conn:
        fresh = store.find(conn, tape["slug"], with_snapshot=False)
        cap = fresh["max_views"]
        if cap is not None and fresh["view_count"] >= cap:
            if not store.seen(conn, tape["tape_rowid"], day, who):
                raise Gone("This tape has reached its view limit.")
            return
        if store.add_view(conn, tape["tape_rowid"], day, who):
            store.forget_old_views(conn, tape["tape_rowid"], day)


def _times(tape: Any) -> dict[str, Any]:
    return {
        "published_at": iso(tape["published_at"]),
        "updated_at": iso(tape["updated_at"]),
        "expires_at": iso(tape["expires_at"]),
    }


def listed(tape: Any) -> dict[str, Any]:
    """A tape in a list: what explore shows of it."""
    return {
        "slug": tape["slug"],
        "title": tape["title"],
        "description": tape["description"],
        "tags": jsontext.loads(tape["tags"]) or [],
        "visibility": tape["visibility"],
        "featured": bool(tape["featured"]),
        "step_count": tape["step_count"],
        "view_count": tape["view_count"],
        "url": f"/t/{tape['slug']}",
        "embed_url": f"/embed/{tape['slug']}",
        **_times(tape),
    }


def owned(tape: Any) -> dict[str, Any]:
    """A tape as its project sees it: with the trace it came from and its state."""
    return {
        **listed(tape),
        "trace_id": tape["trace_id"],
        "max_views": tape["max_views"],
        "state": state(tape),
        "unpublished_at": iso(tape["unpublished_at"]),
        "redaction": jsontext.loads(tape["redaction"]),
    }


def state(tape: Any) -> str:
    if tape["unpublished_at"] is not None:
        return "unpublished"
    if tape["expires_at"] is not None and tape["expires_at"] <= now_us():
        return "expired"
    if tape["max_views"] is not None and tape["view_count"] >= tape["max_views"]:
        return "used_up"
    return "live"


def public(tape: Any) -> dict[str, Any]:
    """The one public body of a tape: only what the snapshot holds (no view count, so the ETag,
    made at publish time, stays true)."""
    body = listed(tape)
    del body["view_count"]
    return {**body, **jsontext.loads(tape["snapshot"]), "etag": tape["etag"]}
