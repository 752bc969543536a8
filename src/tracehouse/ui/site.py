"""Wire the web UI into an app: its routes, static files, the login redirect, HTML errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from tracehouse.errors import TracehouseError
from tracehouse.ui.routes import auth, dashboard, prompts, sessions, settings, traces
from tracehouse.ui.session import LoginRequired, find_viewer
from tracehouse.ui.templating import HERE, page

ROUTERS = (
    auth.router,
    traces.router,
    sessions.router,
    prompts.router,
    dashboard.router,
    settings.router,
)


async def _login_redirect(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/ui/login?next={quote(target)}", status_code=303)


def install(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="ui-static")
    app.add_exception_handler(LoginRequired, _login_redirect)
    json_handler: Any = app.exception_handlers[TracehouseError]

    async def errors(request: Request, exc: Exception) -> Response:
        """Pages answer errors with a page; everything else keeps the one JSON envelope."""
        if not request.url.path.startswith("/ui/") or not isinstance(exc, TracehouseError):
            return await json_handler(request, exc)  # type: ignore[no-any-return]
        who = find_viewer(request.app.state.runtime, request)
        return page(request, "error.html", exc.status, who=who, error=exc)

    app.add_exception_handler(TracehouseError, errors)
