"""Provider credentials on the settings page: add, test the connection, rotate the key, delete.
The key is write-only: after it is saved the page shows only its hint."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from tracehouse.errors import InvalidRequest
from tracehouse.http.auth import RuntimeDep
from tracehouse.providers import service as providers
from tracehouse.providers.schemas import CredentialIn, CredentialPatch
from tracehouse.ui.routes.settings import render_settings
from tracehouse.ui.session import FormDep, ViewerDep

M = TypeVar("M", bound=BaseModel)

router = APIRouter(prefix="/ui/p/{project_id}/settings/providers", include_in_schema=False)


def _checked(model: type[M], fields: dict[str, str]) -> M:
    """The API's own model over the filled-in fields (blank ones left to their defaults)."""
    body = {k: v.strip() for k, v in fields.items() if k != "csrf_token" and v.strip()}
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        names = ", ".join(str(e["loc"][0]) for e in exc.errors())
        raise InvalidRequest(f"The credential was not saved: check {names}.") from exc


def _back(project_id: str) -> Response:
    return RedirectResponse(f"/ui/p/{project_id}/settings#providers", status_code=303)


@router.post("")
def add_provider(project_id: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    providers.create(rt, who.scope(project_id), _checked(CredentialIn, fields))
    return _back(project_id)


@router.post("/{ref}/rotate")
def rotate_key(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """A new API key replaces the stored one; the old one is gone for good."""
    if not fields.get("api_key", "").strip():
        raise InvalidRequest("Paste the new API key to rotate to.")
    providers.update(rt, who.scope(project_id), ref, _checked(CredentialPatch, fields))
    return _back(project_id)


@router.post("/{ref}/delete")
def delete_provider(
    project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    providers.delete(rt, who.scope(project_id), ref)
    return _back(project_id)


@router.post("/{ref}/test", response_class=HTMLResponse)
async def test_connection(
    request: Request, project_id: str, ref: str, fields: FormDep, who: ViewerDep, rt: RuntimeDep
) -> Response:
    """Call the provider once and show what happened next to the credential."""
    scope = who.scope(project_id)
    scope.require_write()  # a call costs the project money: not for read-only people
    ok, message = await providers.check_connection(rt, scope, ref)
    check: dict[str, Any] = {"id": ref, "ok": ok, "message": message}
    return render_settings(request, rt, who, project_id, provider_check=check)
