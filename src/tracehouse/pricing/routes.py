"""`/api/v1/models`: per-project model prices that override the built-in price table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import Field

from tracehouse.clock import iso, now_us, to_us
from tracehouse.errors import (
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from tracehouse.http.auth import ProjectScopeDep, RuntimeDep
from tracehouse.http.errors import error_responses
from tracehouse.http.schemas import RequestModel
from tracehouse.pricing import patterns, service
from tracehouse.pricing.catalog import find_card

router = APIRouter(prefix="/api/v1/models", tags=["models"])
_ERRORS = error_responses(
    InvalidRequest, Unauthorized, Forbidden, NotFound, ValidationFailed, RateLimited
)


class ModelPriceIn(RequestModel):
    """Prices in USD per million tokens. Unset cache/reasoning prices fall back to input/output."""

    model_name: str = Field(min_length=1, max_length=200)
    match_pattern: str | None = Field(
        None,
        max_length=patterns.MAX_LENGTH,
        description="RE2 regular expression matched (whole, case-insensitive) to model names, "
        "in time linear in the name; no backreferences nor lookarounds (422). Default: the name.",
    )
    input_price: float | None = Field(None, ge=0)
    output_price: float | None = Field(None, ge=0)
    cache_read_price: float | None = Field(None, ge=0)
    cache_write_price: float | None = Field(None, ge=0)
    reasoning_price: float | None = Field(None, ge=0)
    start_date: datetime | None = Field(None, description="Applies to observations from this time.")


def _render(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "model_name": row["model_name"],
        "match_pattern": row["match_pattern"],
        "input_price": row["input_price"],
        "output_price": row["output_price"],
        "cache_read_price": row["cache_read_price"],
        "cache_write_price": row["cache_write_price"],
        "reasoning_price": row["reasoning_price"],
        "start_date": iso(row["start_time"]),
        "created_at": iso(row["created_at"]),
        "unit": "USD per 1M tokens",
    }


@router.post("", status_code=201, responses=_ERRORS, summary="Add a custom model price")
def create_price(body: ModelPriceIn, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    scope.require_write()
    fields = body.model_dump(exclude={"start_date"})
    fields["start_time"] = to_us(body.start_date)
    with rt.db.writer.begin() as conn:
        return _render(service.create_price(conn, scope.project_rowid, fields))


@router.get("", responses=_ERRORS, summary="List custom model prices")
def list_prices(scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        rows = service.list_prices(conn, scope.project_rowid)
    return {"data": [_render(r) for r in rows]}


@router.get("/lookup", responses=_ERRORS, summary="Which price applies to a model")
def lookup(
    scope: ProjectScopeDep,
    rt: RuntimeDep,
    model: str = Query(min_length=1),
    provider: str | None = None,
) -> dict[str, Any]:
    """The price card used for `model` now: the project's custom price or the built-in one."""
    with rt.db.reader.connect() as conn:
        custom = service.custom_prices(conn, scope.project_rowid)
    card = find_card(model, provider, now_us(), custom)
    if card is None:
        raise NotFound(f"No price known for model {model!r}; add one with POST /api/v1/models.")
    return {"model": model, "price": card.describe()}


@router.get("/{price_id}", responses=_ERRORS, summary="Get a custom model price")
def get_price(price_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        return _render(service.get_price(conn, scope.project_rowid, price_id))


@router.delete("/{price_id}", status_code=204, responses=_ERRORS, summary="Delete a custom price")
def delete_price(price_id: str, scope: ProjectScopeDep, rt: RuntimeDep) -> Response:
    scope.require_write()
    with rt.db.writer.begin() as conn:
        service.delete_price(conn, scope.project_rowid, price_id)
    return Response(status_code=204)
