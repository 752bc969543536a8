"""Wire the web UI into an app: its routes, static files, the login redirect, HTML errors."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from tracehouse.errors import TracehouseError
from tracehouse.ui.routes import (
    alerts,
    annotation_queues,
    audit,
    auth,
    billing,
    checkpoints,
    comments,
    dashboard,
    datasets,
    evaluations,
    evaluators,
    experiments,
    forks,
    inbox,
    masking,
    media,
    memory,
    monitors,
    observations,
    playground,
    prompts,
    providers,
    search,
    sessions,
    settings,
    skills,
    sso,
    tapes,
    traces,
    users,
    views,
)
from tracehouse.ui.session import LoginRequired, find_viewer
from tracehouse.ui.templating import HERE, page

ROUTERS = (
    sso.router,  # before auth: `/login/sso` is not the login form
    auth.router,
    forks.router,  # before traces: `/traces/{a}/diff/{b}` is not a trace id
    traces.router,
    views.router,
    comments.router,
    inbox.router,
    media.router,
    sessions.router,
    observations.router,
    search.router,
    users.router,
    prompts.router,
    playground.router,
    skills.router,
    memory.router,
    experiments.router,  # before datasets: `/datasets/{name}/runs…` is not a dataset name
    datasets.router,
    evaluators.router,
    alerts.router,
    monitors.router,  # before evaluations: `/evaluations/monitors` is not an evaluation
    evaluations.router,
    annotation_queues.router,
    dashboard.router,
    audit.router,  # before settings: `/settings/audit` is its own page
    masking.router,
    billing.router,
    settings.router,
    providers.router,
    tapes.router,
    tapes.public,
    checkpoints.router,
)
#: Where errors are answered with a page: the app, and the public tape pages.
PAGE_PREFIXES = ("/ui/", "/t/", "/embed/", "/explore")


@dataclass
class _PageError:
    """What the error page shows for a Starlette HTTP error (unknown page, wrong method)."""

    status: int
    code: str
    message: str


def _is_page(request: Request) -> bool:
    """A page's address, asked for by a browser (a page's script asking for JSON or events,
    like the playground's Run, gets the JSON envelope it can read)."""
    accept = request.headers.get("accept", "")
    wants_data = "application/json" in accept or "text/event-stream" in accept
    return request.url.path.startswith(PAGE_PREFIXES) and not wants_data


async def _login_redirect(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/ui/login?next={quote(target)}", status_code=303)


async def _favicon() -> Response:
    """Browsers ask for /favicon.ico on pages without an icon link (the API docs, JSON)."""
    return RedirectResponse("/ui/static/favicon.svg", status_code=301)


def install(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="ui-static")
    app.add_api_route("/favicon.ico", _favicon, include_in_schema=False)
    app.add_exception_handler(LoginRequired, _login_redirect)
    json_handler: Any = app.exception_handlers[TracehouseError]
    json_http_handler: Any = app.exception_handlers[HTTPException]

    async def errors(request: Request, exc: Exception) -> Response:
        """Pages answer errors with a page; everything else keeps the one JSON envelope."""
        if not _is_page(request) or not isinstance(exc, TracehouseError):
            return await json_handler(request, exc)  # type: ignore[no-any-return]
        return _error_page(request, exc)

    async def http_errors(request: Request, exc: Exception) -> Response:
        """Unknown pages (and wrong methods) under /ui/ get the error page in the UI's layout."""
        if not _is_page(request) or not isinstance(exc, HTTPException):
            return await json_http_handler(request, exc)  # type: ignore[no-any-return]
        status = HTTPStatus(exc.status_code)
        message = "There is no page at this address." if status == 404 else status.description
        error = _PageError(status.value, status.phrase.lower(), message)
        return _error_page(request, error, dict(exc.headers or {}))

    app.add_exception_handler(TracehouseError, errors)
    app.add_exception_handler(HTTPException, http_errors)


def _error_page(
    request: Request, error: TracehouseError | _PageError, headers: dict[str, str] | None = None
) -> Response:
    who = find_viewer(request.app.state.runtime, request)
    response = page(request, "error.html", error.status, who=who, error=error)
    response.headers.update(headers or {})
    return response
