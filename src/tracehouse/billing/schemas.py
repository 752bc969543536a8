"""Request models of the billing API (bodies accept snake_case and camelCase names)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tracehouse.http.schemas import RequestModel

ReturnPath = Field(
    None,
    max_length=2000,
    description="Path on this server the provider sends the customer back to; default /ui/.",
)


class CheckoutIn(RequestModel):
    plan: Literal["free", "pro", "enterprise"] = Field(description="The plan to buy.")
    org_id: str | None = Field(None, max_length=64, description="Default: your first org.")
    return_path: str | None = ReturnPath


class PortalIn(RequestModel):
    org_id: str | None = Field(None, max_length=64, description="Default: your first org.")
    return_path: str | None = ReturnPath
