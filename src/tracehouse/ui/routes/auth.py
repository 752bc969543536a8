"""Login, logout and the landing redirect to the first project's traces."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tracehouse.errors import RateLimited, Unauthorized
from tracehouse.http.auth import RuntimeDep, client_address
from tracehouse.runtime import Runtime
from tracehouse.ui import session
from tracehouse.ui.session import FormDep, ViewerDep
from tracehouse.ui.templating import page
from tracehouse.users import service as users

router = APIRouter(prefix="/ui", include_in_schema=False)


def _safe_next(value: str | None) -> str:
    """Only local UI paths: never redirect a person to another site after login."""
    if value and value.startswith("/ui/") and not value.startswith("//"):
        return value
    return "/ui/"


def _secure(request: Request, rt: Runtime) -> bool:
    """Secure cookies when forced (`TRACEHOUSE_COOKIE_SECURE`), on HTTPS, or behind an https
    public URL."""
    settings = rt.settings
    public_https = (settings.public_url or "").startswith("https:")
    return settings.cookie_secure or request.url.scheme == "https" or public_https


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, rt: RuntimeDep, next: str | None = None, error: str | None = None
) -> Response:
    if error is None and session.find_viewer(rt, request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    token = request.cookies.get(session.LOGIN_CSRF_COOKIE) or session.new_login_csrf()
    response = page(request, "login.html", csrf=token, next=_safe_next(next), error=error)
    response.set_cookie(
        session.LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request, rt),
        path="/ui/login",
    )
    return response


@router.post("/login")
async def login(request: Request, rt: RuntimeDep) -> Response:
    fields = await session.read_form(request)
    session.check_csrf(request.cookies.get(session.LOGIN_CSRF_COOKIE), fields.get("csrf_token"))
    next_url = _safe_next(fields.get("next"))
    try:
        token, _, _ = await users.login(
            rt, fields.get("email", ""), fields.get("password", ""), client_address(request)
        )
    except (Unauthorized, RateLimited) as error:
        refused = page(
            request,
            "login.html",
            error.status,
            csrf=request.cookies.get(session.LOGIN_CSRF_COOKIE),
            next=next_url,
            error=error.message,
            email=fields.get("email", ""),
        )
        refused.headers.update(error.headers)
        return refused
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        session.COOKIE,
        token,
        max_age=rt.settings.login_token_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=_secure(request, rt),
        path="/",
    )
    return response


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
