"""Per-person notification preferences (kinds, e-mail) and the e-mails themselves, sent through
a local SMTP server (aiosmtpd) started by the test on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from tests.collab.conftest import member, seed_trace
from tests.conftest import Harness, make_settings, start

pytestmark = pytest.mark.anyio
PREFS = "/api/v1/notifications/preferences"


class Inbox:
    """The SMTP server's received messages."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
async def mailing(
    smtp: tuple[Inbox, int], db_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Harness]:
    settings = make_settings(
        db_kind,
        tmp_path,
        request,
        smtp_host="127.0.0.1",
        smtp_port=smtp[1],
        smtp_starttls=False,
        smtp_from="tracehouse@example.com",
        public_url="https://traces.example.com",
    )
    async for harness in start(settings):
        yield harness


async def _arrived(inbox: Inbox, count: int) -> list[Message]:
    for _ in range(100):
        if len(inbox.messages) >= count:
            return inbox.messages
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(inbox.messages)} e-mails arrived, {count} expected")


async def test_mentions_are_mailed_to_people_who_asked(
    mailing: Harness, smtp: tuple[Inbox, int]
) -> None:
    th, inbox = mailing, smtp[0]
    await seed_trace(th)
    ann = await member(th, "ann@example.com")
    bob = await member(th, "bob@example.com")
    assert (await th.client.get(PREFS, headers=ann)).json() == {
        "kinds": ["mention", "assignment", "resolved"],
        "email": False,
        "email_available": True,
    }
    wants = {"kinds": ["mention", "assignment"], "email": True}
    assert (await th.client.put(PREFS, json=wants, headers=ann)).status_code == 200
    body = {"traceId": "t-1", "body": "@ann@example.com and @bob@example.com, see this"}
    admin = {**await th.admin_token(), "X-Project-ID": ann["X-Project-ID"]}
    assert (await th.client.post("/api/v1/comments", json=body, headers=admin)).status_code == 201
    (mail,) = await _arrived(inbox, 1)
    assert mail["To"] == "ann@example.com" and mail["From"] == "tracehouse@example.com"
    assert "mentioned you" in mail["Subject"]
    text = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "https://traces.example.com/ui/p/" in text and "trace t-1" in text
    await asyncio.sleep(0.3)
    assert len(inbox.messages) == 1  # bob kept e-mail off: inbox only
    bell = (await th.client.get("/api/v1/notifications", headers=bob)).json()
    assert bell["meta"]["unread_count"] == 1


async def test_kinds_left_out_do_not_reach_the_inbox(th: Harness) -> None:
    await seed_trace(th)
    ann = await member(th, "ann@example.com")
    assert (
        await th.client.put(PREFS, json={"kinds": ["assignment"]}, headers=ann)
    ).status_code == 200
    admin = {**await th.admin_token(), "X-Project-ID": ann["X-Project-ID"]}
    body = {"traceId": "t-1", "body": "hi @ann@example.com"}
    assert (await th.client.post("/api/v1/comments", json=body, headers=admin)).status_code == 201
    assign = {"targetId": "t-1", "assignee": "ann@example.com"}
    assert (
        await th.client.post("/api/v1/assignments", json=assign, headers=admin)
    ).status_code == 201
    notes = (await th.client.get("/api/v1/notifications", headers=ann)).json()["data"]
    assert [n["kind"] for n in notes] == ["assignment"]
    prefs = (await th.client.get(PREFS, headers=ann)).json()
    assert prefs["kinds"] == ["assignment"] and prefs["email_available"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"kinds": ["mention", "gossip"]},
        {"kinds": "mention"},
        {"email": True},
        {"kinds": [], "email": "maybe"},
    ],
    ids=["unknown-kind", "not-a-list", "no-kinds", "bad-email"],
)
async def test_bad_preferences_are_422_and_change_nothing(th: Harness, body: Any) -> None:
    ann = await member(th, "ann@example.com")
    response = await th.client.put(PREFS, json=body, headers=ann)
    assert response.status_code == 422, response.text
    assert (await th.client.get(PREFS, headers=ann)).json()["kinds"] == [
        "mention",
        "assignment",
        "resolved",
    ]


async def test_keys_have_no_preferences(th: Harness) -> None:
    assert (await th.client.get(PREFS, headers=th.auth)).status_code == 403
