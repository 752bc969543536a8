"""Login brute force: failures are counted per account and per client address, past a few
each one locks the key out twice as long (429 + Retry-After); unknown e-mails are checked
against a decoy hash like known ones; passwords are checked on a bounded pool of their own."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import pytest
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Harness, make_settings, start

from tracehouse.clock import now_us
from tracehouse.errors import RateLimited
from tracehouse.users import passwords
from tracehouse.users.throttle import ACCOUNT_FREE_FAILURES, ADDRESS_FREE_FAILURES

pytestmark = pytest.mark.anyio


def client_from(th: Harness, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=th.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://tracehouse.test")


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_an_account_is_locked_out_after_a_few_failures_from_anywhere(th: Harness) -> None:
    for n in range(ACCOUNT_FREE_FAILURES + 1):  # each from another address
        async with client_from(th, f"10.0.0.{n}") as client:
            assert (await login(client, ADMIN_EMAIL, "wrong")).status_code == 401
    async with client_from(th, "10.0.1.1") as client:
        locked = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)  # even the right password
        assert locked.status_code == 429
        assert locked.json()["error"]["code"] == "rate_limited"
        assert int(locked.headers["Retry-After"]) >= 1
        other = await login(client, "nobody@example.com", "wrong")  # other accounts: as usual
        assert other.status_code == 401


async def test_an_address_is_locked_out_after_failures_on_many_accounts(th: Harness) -> None:
    async with client_from(th, "10.9.9.9") as client:
        for n in range(ADDRESS_FREE_FAILURES + 1):
            response = await login(client, f"guess-{n}@example.com", "wrong")
            assert response.status_code == 401
        locked = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        assert locked.status_code == 429 and "Retry-After" in locked.headers
    async with client_from(th, "10.9.9.10") as client:
        assert (await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 200


async def test_the_lockout_grows_with_each_failure_and_success_clears_it(th: Harness) -> None:
    throttle = th.app.state.runtime.login_throttle
    email, address, start_us = "grow@example.com", "10.7.7.7", now_us()
    waits = []
    for n in range(ACCOUNT_FREE_FAILURES + 4):
        throttle.failed(email, address, start_us + n)
        try:
            throttle.check(email, address, start_us + n)
        except RateLimited as refused:
            waits.append(int(refused.headers["Retry-After"]))
    assert waits == [1, 2, 4, 8]
    throttle.succeeded(email)
    throttle.check(email, address, start_us + 10)  # the account's count is gone
    hour_later = start_us + 3_600_000_001  # and a key with no failure for an hour starts afresh
    throttle.failed("other@example.com", address, hour_later)
    throttle.check("other@example.com", address, hour_later)


async def test_unknown_and_known_e_mails_take_the_same_path(
    th: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[tuple[str, str]] = []
    real = passwords.verify_password

    def spy(password: str, stored: str) -> bool:
        checked.append((threading.current_thread().name, stored.split("$")[0]))
        return real(password, stored)

    monkeypatch.setattr(passwords, "verify_password", spy)
    assert (await login(th.client, ADMIN_EMAIL, "wrong")).status_code == 401
    unknown = await login(th.client, "nobody@example.com", "wrong")
    assert unknown.status_code == 401
    assert unknown.json()["error"]["message"] == "Wrong e-mail or password."
    assert len(checked) == 2  # one scrypt check each, on the password thread
    assert all(name.startswith("tracehouse-passwords") for name, _ in checked)
    assert [scheme for _, scheme in checked] == ["scrypt", "scrypt"]


async def test_the_web_login_is_throttled_too(th: Harness) -> None:
    form = await th.client.get("/ui/login")
    csrf = form.cookies.get("th_login_csrf")
    fields = {"email": ADMIN_EMAIL, "password": "wrong", "csrf_token": csrf, "next": "/ui/"}
    for _ in range(ACCOUNT_FREE_FAILURES + 1):
        assert (await th.client.post("/ui/login", data=fields)).status_code == 401
    locked = await th.client.post("/ui/login", data={**fields, "password": ADMIN_PASSWORD})
    assert locked.status_code == 429 and "Retry-After" in locked.headers
    assert "Too many failed logins" in locked.text


@pytest.mark.parametrize("db_kind", ["sqlite", "postgres"])
async def test_ingestion_goes_on_while_logins_flood_the_password_threads(
    db_kind: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(db_kind, tmp_path, request, login_max_waiting=6)
    release = threading.Event()

    def stuck(password: str, stored: str) -> bool:  # a check that takes as long as we want
        release.wait(30)
        return False

    monkeypatch.setattr(passwords, "verify_password", stuck)
    async for th in start(settings):
        floods = [client_from(th, f"10.5.0.{n}") for n in range(10)]
        logins = [
            asyncio.create_task(login(c, f"flood-{n}@example.com", "x"))
            for n, c in enumerate(floods)
        ]
        started = time.monotonic()
        trace = {"id": "during-logins", "observations": [{"id": "o", "type": "span"}]}
        written = await asyncio.wait_for(
            th.client.post("/api/v1/traces", json=trace, headers=th.auth), 10
        )
        assert written.status_code == 201
        assert time.monotonic() - started < 10
        assert not all(task.done() for task in logins)  # the logins are still waiting
        release.set()
        answers = [(await task).status_code for task in logins]
        assert sorted(answers) == [401] * 6 + [503] * 4  # 1 checking + 5 waiting; 4 refused
        for client in floods:
            await client.aclose()
