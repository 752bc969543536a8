"""Login, logout and the landing redirect to the first project's traces."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tracehouse.errors import Forbidden, RateLimited, Unauthorized
from tracehouse.http.auth import RuntimeDep, client_address
from tracehouse.runtime import Runtime
from tracehouse.sso import provider as sso_provider
from tracehouse.ui import session
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page
from tracehouse.users import service as users

router = APIRouter(prefix="/ui", include_in_schema=False)


def safe_next(value: str | None) -> str:
    """Only local UI paths: never redirect a person to another site after login."""
    if value and value.startswith("/ui/") and not value.startswith("//"):
        return value
    return "/ui/"


def secure_cookies(request: Request, rt: Runtime) -> bool:
    """Secure cookies when forced (`TRACEHOUSE_COOKIE_SECURE`), on HTTPS, or behind an https
    public URL."""
    settings = rt.settings
    public_https = (settings.public_url or "").startswith("https:")
    return settings.cookie_secure or request.url.scheme == "https" or public_https


def sign_on(rt: Runtime) -> dict[str, Any]:
    """What the login page offers: the password form, single sign-on, or both."""
    enabled = sso_provider.enabled(rt.settings)
    return {
        "password_login": rt.settings.password_login,
        "sso_label": rt.settings.oidc_label if enabled else None,
    }


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, rt: RuntimeDep, next: str | None = None, error: str | None = None
) -> Response:
    if error is None and session.find_viewer(rt, request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    token = request.cookies.get(session.LOGIN_CSRF_COOKIE) or session.new_login_csrf()
    response = page(
        request, "login.html", csrf=token, next=safe_next(next), error=error, **sign_on(rt)
    )
    response.set_cookie(
        session.LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request, rt),
        path="/ui/login",
    )
    return response


@router.post("/login")
async def login(request: Request, rt: RuntimeDep) -> Response:
    fields = await session.read_form(request)
    session.check_csrf(request.cookies.get(session.LOGIN_CSRF_COOKIE), fields.get("csrf_token"))
    next_url = safe_next(fields.get("next"))
    try:
        token, _, _ = await users.login(
            rt, fields.get("email", ""), fields.get("password", ""), client_address(request)
        )
    except (Unauthorized, RateLimited, Forbidden) as error:
        refused = page(
            request,
            "login.html",
            error.status,
            csrf=request.cookies.get(session.LOGIN_CSRF_COOKIE),
            next=next_url,
            error=error.message,
            email=fields.get("email", ""),
            **sign_on(rt),
        )
        refused.headers.update(error.headers)
        return refused
    response = RedirectResponse(next_url, status_code=303)
    start_session(response, request, rt, token)
    return response


def start_session(response: Response, request: Request, rt: Runtime, token: str) -> None:
    """Set the login cookie that carries `token`."""
    response.set_cookie(
        session.COOKIE,
        token,
        max_age=rt.settings.login_token_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request, rt),
        path="/",
    )


@router.post("/logout")
def logout(fields: FormDep, who: ViewerDep, rt: RuntimeDep) -> Response:
    with rt.db.writer.begin() as conn:
        users.logout(conn, who.token)
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(session.COOKIE, path="/")
    return response


@router.get("/")
def home(who: ViewerDep) -> Response:
    if not who.projects:
        return RedirectResponse("/ui/login?error=no-project", status_code=303)
    return RedirectResponse(f"/ui/p/{who.projects[0]['id']}/traces", status_code=303)
