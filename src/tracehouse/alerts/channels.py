"""Sending a message to a channel: webhooks signed with HMAC-SHA256, Slack incoming webhooks,
PagerDuty's Events API v2 and e-mail; retried with back-off on failures that may pass."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import smtplib
import time
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from tracehouse.alerts import message as text
from tracehouse.collab import mail
from tracehouse.config import Settings

ATTEMPTS = 3
TIMEOUT = 10.0
SIGNATURE_HEADER = "X-Tracehouse-Signature"
TIMESTAMP_HEADER = "X-Tracehouse-Timestamp"


@dataclass(frozen=True)
class Target:
    """A channel with its target decrypted, ready to send."""

    id: str
    name: str
    kind: str
    url: str | None
    secret: str | None
    recipients: list[str]


class DeliveryError(Exception):
    """A failed attempt; `final` when trying again cannot help (a 4xx answer)."""

    def __init__(self, message: str, *, final: bool = False):
        super().__init__(message)
        self.final = final


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>` (docs/alerts.md: checking it)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


async def deliver(
    settings: Settings, target: Target, message: dict[str, Any], *, backoff: float | None = None
) -> dict[str, Any]:
    """Send with up to ATTEMPTS tries; the outcome as the history records it."""
    pause = settings.alert_retry_seconds if backoff is None else backoff
    error = ""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            await _send(settings, target, message)
            return _outcome(target, True, attempt, None)
        except DeliveryError as exc:
            error = str(exc)
            if exc.final:
                return _outcome(target, False, attempt, error)
        if attempt < ATTEMPTS:
            await asyncio.sleep(pause * 2 ** (attempt - 1))
    return _outcome(target, False, ATTEMPTS, error)


def _outcome(target: Target, ok: bool, attempts: int, error: str | None) -> dict[str, Any]:
    return {
        "channel_id": target.id,
        "channel": target.name,
        "kind": target.kind,
        "ok": ok,
        "attempts": attempts,
        "error": error,
    }


async def _send(settings: Settings, target: Target, message: dict[str, Any]) -> None:
    if target.kind == "email":
        await asyncio.to_thread(_mail, settings, target.recipients, message)
        return
    assert target.url is not None
    if target.kind == "slack":
        body = orjson.dumps(text.slack_body(message))
    elif target.kind == "pagerduty":
        body = orjson.dumps(text.pagerduty_body(message, target.secret or ""))
    else:
        body = orjson.dumps(message)
    await _post(target.url, body, _headers(target, message, body))


def _headers(target: Target, message: dict[str, Any], body: bytes) -> dict[str, str]:
    headers = {"content-type": "application/json", "user-agent": "Tracehouse-Alerts"}
    if target.kind == "webhook" and target.secret:
        stamp = str(int(time.time()))
        headers[TIMESTAMP_HEADER] = stamp
        headers[SIGNATURE_HEADER] = sign(target.secret, stamp, body)
        headers["X-Tracehouse-Event"] = message["type"]
    return headers


async def _post(url: str, body: bytes, headers: dict[str, str]) -> None:
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
            answer = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
    if answer.status_code >= 300:
        final = 400 <= answer.status_code < 500 and answer.status_code not in (408, 429)
        raise DeliveryError(f"HTTP {answer.status_code}", final=final)


def _mail(settings: Settings, recipients: list[str], message: dict[str, Any]) -> None:
    if not mail.enabled(settings):
        raise DeliveryError("e-mail is not configured (TRACEHOUSE_SMTP_HOST)", final=True)
    subject, body = text.email_text(message)
    try:
        mail.send(settings, [mail.Mail(to, subject, body) for to in recipients])
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
