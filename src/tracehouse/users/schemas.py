"""Request models of the profile endpoints (`/api/v1/users/me`)."""

from __future__ import annotations

from pydantic import Field

from tracehouse.http.schemas import RequestModel


class ProfilePatch(RequestModel):
    """Fields to change; a new `password` needs the `current_password`."""

    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str | None = Field(None, min_length=8, max_length=1000)
    current_password: str | None = Field(None, max_length=1000)
