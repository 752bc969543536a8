"""Delivering notifications: each person's preferences pick the kinds they get; the inbox rows
are written in the change's transaction with a live event for the bell (`/ws`), and e-mails
follow once it committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from tracehouse import jsontext
from tracehouse.clock import now_us
from tracehouse.collab import mail, store
from tracehouse.errors import ValidationFailed
from tracehouse.http.auth import ProjectScope
from tracehouse.runtime import Runtime

KINDS = ("mention", "assignment", "resolved")
DEFAULT = {"kinds": list(KINDS), "email": False}


@dataclass
class Outbox:
    """What goes out once the transaction committed: live events and e-mails."""

    project_rowid: int
    events: list[dict[str, Any]] = field(default_factory=list)
    mails: list[mail.Mail] = field(default_factory=list)


def preferences(conn: Connection, user_rowid: int) -> dict[str, Any]:
    row = store.preferences_of(conn, user_rowid)
    if row is None:
        return dict(DEFAULT)
    return {"kinds": jsontext.loads(row["kinds"]), "email": bool(row["email"])}


def set_preferences(rt: Runtime, user: Any, kinds: list[str], email: bool) -> dict[str, Any]:
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValidationFailed(
            f"Unknown notification kinds: {', '.join(unknown)}.",
            [{"field": "kinds", "message": f"each one of {', '.join(KINDS)}"}],
        )
    chosen = [k for k in KINDS if k in kinds]
    values = {"kinds": jsontext.dumps(chosen), "email": email, "updated_at": now_us()}
    with rt.db.writer.begin() as conn:
        store.save_preferences(conn, user["user_rowid"], values)
    return {"kinds": chosen, "email": email, "email_available": mail.enabled(rt.settings)}


def stage(conn: Connection, rt: Runtime, scope: ProjectScope, rows: list[dict[str, Any]]) -> Outbox:
    """Write the rows each person wants (in the caller's transaction); the live events and
    e-mails to send once it commits."""
    outbox = Outbox(scope.project_rowid)
    wanted = []
    for row in rows:
        prefs = preferences(conn, row["user_rowid"])
        if row["kind"] in prefs["kinds"]:
            wanted.append((row, prefs["email"]))
    store.insert_notifications(conn, [row for row, _ in wanted])
    for row, by_mail in wanted:
        unread = store.unread_count(conn, scope.project_rowid, row["user_rowid"])
        outbox.events.append(_event(row, unread))
        if by_mail:
            outbox.mails += _mail(conn, rt, scope, row)
    rt.broker.stage_notice(conn, scope.project_rowid, outbox.events)
    return outbox


def send(rt: Runtime, outbox: Outbox) -> None:
    """After commit: the bell of each person notified, then their e-mails."""
    rt.broker.announce(outbox.project_rowid, outbox.events)
    mail.send_later(rt.settings, outbox.mails)


def _event(row: dict[str, Any], unread: int) -> dict[str, Any]:
    return {
        "type": "notification.created",
        "for_user": row["user_rowid"],  # the socket of that person only (stripped on send)
        "id": row["id"],
        "kind": row["kind"],
        "summary": row["summary"],
        "target_type": row["target_type"],
        "target_id": row["target_id"],
        "unread": unread,
    }


def _mail(
    conn: Connection, rt: Runtime, scope: ProjectScope, row: dict[str, Any]
) -> list[mail.Mail]:
    person = store.users_by_rowid(conn, {row["user_rowid"]}).get(row["user_rowid"])
    if person is None:
        return []
    inbox = f"{rt.settings.base_url.rstrip('/')}/ui/p/{scope.project_id}/inbox"
    body = f"{row['summary']}: {row['target_type'].replace('_', ' ')} {row['target_id']}.\n\n"
    body += f"Open your inbox: {inbox}\n\nChange what you get by e-mail on that page.\n"
    return [mail.Mail(person["email"], f"[Tracehouse] {row['summary']}", body)]
