"""Notification e-mails over SMTP (stdlib `smtplib`): sent after the change committed, on a
background thread, so a slow or absent mail server never holds a request; failures are logged
(never the password)."""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage

from tracehouse.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    body: str


def enabled(settings: Settings) -> bool:
    return settings.smtp_host is not None


def send_later(settings: Settings, mails: list[Mail]) -> None:
    """Send `mails` on a background thread (nothing when SMTP is not configured)."""
    if mails and enabled(settings):
        threading.Thread(target=send_quietly, args=(settings, mails), daemon=True).start()


def send_quietly(settings: Settings, mails: list[Mail]) -> None:
    try:
        send(settings, mails)
    except (OSError, smtplib.SMTPException):
        log.exception(
            "sending %d notification e-mail(s) through %s failed", len(mails), settings.smtp_host
        )


def send(settings: Settings, mails: list[Mail]) -> None:
    """One SMTP session for all of `mails` (STARTTLS and login as configured)."""
    assert settings.smtp_host is not None
    timeout = settings.smtp_timeout_seconds
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_user, password)
        for mail in mails:
            smtp.send_message(_message(settings.smtp_from, mail))


def _message(sender: str, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    return message
