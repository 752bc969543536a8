"""Helpers for the web UI tests: log in through the form, read CSRF tokens from pages."""

from __future__ import annotations

import re

import httpx
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def log_in(
    client: httpx.AsyncClient, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD
) -> httpx.Response:
    """Log in through the login form (with its CSRF cookie and token), like a browser."""
    form = await client.get("/ui/login")
    token = csrf_of(form.text)
    return await client.post(
        "/ui/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/ui/"},
    )
