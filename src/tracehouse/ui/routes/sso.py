"""Single sign-on pages: `/ui/login/sso` sends the browser to the OpenID provider, and
`/ui/login/sso/callback` logs the person in from its answer (or shows the login page with why
not)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from tracehouse.errors import Forbidden, NotFound, Unauthorized, Unavailable
from tracehouse.http.auth import RuntimeDep
from tracehouse.runtime import Runtime
from tracehouse.sso import flow, provider
from tracehouse.ui.routes.auth import safe_next, secure_cookies, sign_on, start_session
from tracehouse.ui.templating import page

router = APIRouter(prefix="/ui/login/sso", include_in_schema=False)
STATE_COOKIE = "th_sso"


def _callback_url(request: Request, rt: Runtime) -> str:
    base = rt.settings.public_url or str(request.base_url)
    return base.rstrip("/") + "/ui/login/sso/callback"


def _require_enabled(rt: Runtime) -> None:
    if not provider.enabled(rt.settings):
        raise NotFound("Single sign-on is not configured on this server.")


@router.get("")
async def start(request: Request, rt: RuntimeDep, next: str | None = None) -> Response:
    _require_enabled(rt)
    url, held = await flow.begin(rt, _callback_url(request, rt), safe_next(next))
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(
        STATE_COOKIE,
        held,
        max_age=flow.STATE_SECONDS,
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back here
        secure=secure_cookies(request, rt),
        path="/ui/login/sso",
    )
    return response


@router.get("/callback")
async def callback(request: Request, rt: RuntimeDep) -> Response:
    _require_enabled(rt)
    query = dict(request.query_params)
    try:
        token, next_url = await flow.finish(
            rt, _callback_url(request, rt), request.cookies.get(STATE_COOKIE), query
        )
    except (Unauthorized, Forbidden, Unavailable) as error:
        refused = page(
            request,
            "login.html",
            error.status,
            error=error.message,
            next="/ui/",
            csrf=None,
            **sign_on(rt),
        )
        refused.delete_cookie(STATE_COOKIE, path="/ui/login/sso")
        return refused
    response = RedirectResponse(next_url, status_code=303)
    start_session(response, request, rt, token)
    response.delete_cookie(STATE_COOKIE, path="/ui/login/sso")
    return response
