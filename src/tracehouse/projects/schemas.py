"""Request models of the management API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from tracehouse.http.schemas import RequestModel

#: A century: longer retention is forever (null).
MAX_RETENTION_DAYS = 36_500


class LoginIn(RequestModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1000)


class UserIn(RequestModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=8, max_length=1000)
    name: str | None = Field(None, max_length=200)
    is_admin: bool = False
    org_id: str | None = Field(None, description="Add the user to this organization.")
    role: Literal["owner", "admin", "member", "viewer"] = "member"


class OrgIn(RequestModel):
    name: str = Field(min_length=1, max_length=200)


class ProjectIn(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    org_id: str | None = Field(
        None, description="Default: `X-Organization-ID`, else the caller's first organization."
    )
    plan: Literal["free", "pro", "enterprise"] | None = None
    retention_days: int | None = Field(
        None, ge=1, le=MAX_RETENTION_DAYS, description="Days data is kept; null = forever."
    )
    environment: Literal["live", "test"] = Field(
        "live", description="Environment of the first key (`production` is read as `live`)."
    )

    @field_validator("environment", mode="before")
    @classmethod
    def _production_is_live(cls, value: Any) -> Any:
        return "live" if value == "production" else value


class ProjectPatch(RequestModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    plan: Literal["free", "pro", "enterprise"] | None = None
    retention_days: int | None = Field(None, ge=1, le=MAX_RETENTION_DAYS)


class KeyIn(RequestModel):
    name: str | None = Field(None, max_length=200)
    environment: Literal["live", "test"] = "live"
    access: Literal["read", "write"] = "write"


class OrgKeyIn(RequestModel):
    name: str | None = Field(None, max_length=200)
    environment: Literal["live", "test"] = "live"
    access: Literal["read", "write", "admin"] = "write"
