"""Alert channels: stored with their target (URL, routing key) and signing secret encrypted,
shown with a hint only; the webhook signing secret is returned once, at creation."""

from __future__ import annotations

import secrets as random
from typing import Any
from urllib.parse import urlsplit

from tracehouse import jsontext
from tracehouse.alerts import channels, message, store
from tracehouse.alerts.schemas import ChannelIn, ChannelPatch
from tracehouse.clock import iso, now_us
from tracehouse.http.auth import ProjectScope
from tracehouse.http.crud import Resource
from tracehouse.ids import new_id
from tracehouse.providers import secrets
from tracehouse.runtime import Runtime

PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"


def render(row: Any) -> dict[str, Any]:
    """The public view: never the target nor the secret."""
    return {
        "id": row["id"],
        "name": row["name"],
        "kind": row["kind"],
        "target": row["target_hint"],
        "recipients": jsontext.loads(row["recipients"]) if row["recipients"] else [],
        "signed": row["secret_encrypted"] is not None,
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


RESOURCE = Resource("alert channel", store.CHANNELS, render)


def _key(rt: Runtime) -> str:
    return secrets.server_secret(rt.settings, rt.db.writer)


def _hint(kind: str, url: str | None) -> str:
    """Enough to recognise the target: the host (a Slack or webhook path may hold a token)."""
    if kind == "email":
        return "e-mail"
    return urlsplit(url or PAGERDUTY_URL).netloc or "?"


def _target_values(rt: Runtime, kind: str, url: str | None, key: str | None) -> dict[str, Any]:
    """The encrypted target: the URL, and for PagerDuty the routing key as the secret."""
    values: dict[str, Any] = {"target_hint": _hint(kind, url)}
    if kind == "pagerduty":
        values["target_encrypted"] = secrets.encrypt(_key(rt), url or PAGERDUTY_URL)
        if key is not None:
            values["secret_encrypted"] = secrets.encrypt(_key(rt), key)
    elif url is not None:
        values["target_encrypted"] = secrets.encrypt(_key(rt), url)
    return values


def create(rt: Runtime, scope: ProjectScope, body: ChannelIn) -> dict[str, Any]:
    scope.require_write()
    now = now_us()
    url = str(body.url) if body.url else None
    values = {
        "id": new_id(),
        "project_rowid": scope.project_rowid,
        "name": body.name,
        "kind": body.kind,
        "target_encrypted": None,
        "secret_encrypted": None,
        "recipients": jsontext.dumps(body.recipients) if body.recipients else None,
        "created_at": now,
        "updated_at": now,
        **_target_values(rt, body.kind, url, body.routing_key),
    }
    signing = None
    if body.kind == "webhook":
        signing = "whsec_" + random.token_urlsafe(32)
        values["secret_encrypted"] = secrets.encrypt(_key(rt), signing)
    view = RESOURCE.create(rt, values)
    return {**view, "signing_secret": signing} if signing else view


def update(rt: Runtime, scope: ProjectScope, ref: str, body: ChannelPatch) -> dict[str, Any]:
    scope.require_write()
    row = RESOURCE.require(rt, scope.project_rowid, ref)
    given = body.model_dump(exclude_unset=True)
    values: dict[str, Any] = {"updated_at": now_us()}
    if given.get("name"):
        values["name"] = given["name"]
    if given.get("recipients"):
        values["recipients"] = jsontext.dumps(given["recipients"])
    if body.url is not None or body.routing_key is not None:
        url = str(body.url) if body.url else None
        values.update(_target_values(rt, row["kind"], url, body.routing_key))
    return RESOURCE.update(rt, row, values)


def delete(rt: Runtime, scope: ProjectScope, ref: str) -> None:
    scope.require_write()
    RESOURCE.delete(rt, RESOURCE.require(rt, scope.project_rowid, ref))


def get(rt: Runtime, scope: ProjectScope, ref: str) -> dict[str, Any]:
    return render(RESOURCE.require(rt, scope.project_rowid, ref))


def list_channels(rt: Runtime, scope: ProjectScope) -> dict[str, Any]:
    return RESOURCE.page(rt, scope.project_rowid)


def target(rt: Runtime, row: Any) -> channels.Target:
    """The channel ready to send: its target and secret decrypted."""
    key = _key(rt)
    url = secrets.decrypt(key, row["target_encrypted"]) if row["target_encrypted"] else None
    secret = secrets.decrypt(key, row["secret_encrypted"]) if row["secret_encrypted"] else None
    recipients = jsontext.loads(row["recipients"]) if row["recipients"] else []
    return channels.Target(row["id"], row["name"], row["kind"], url, secret, recipients)


async def send_test(rt: Runtime, scope: ProjectScope, ref: str) -> dict[str, Any]:
    """Send a sample notification now (one try); what happened."""
    scope.require_write()
    row = RESOURCE.require(rt, scope.project_rowid, ref)
    link = f"{rt.settings.base_url.rstrip('/')}/ui/p/{scope.project_id}/alerts"
    sample = message.test_message(scope.project_id, row["name"], link)
    return await channels.deliver(rt.settings, target(rt, row), sample, backoff=0)
