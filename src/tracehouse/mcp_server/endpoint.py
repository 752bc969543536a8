"""The `/mcp` endpoint: authenticates each HTTP request as the REST API does, then hands it to
the SDK's streamable-HTTP session manager with the caller's project scope attached."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from tracehouse.errors import TracehouseError
from tracehouse.http.auth import ProjectScope, project_scope
from tracehouse.http.errors import error_response
from tracehouse.runtime import Runtime, runtime

_SCOPE = "tracehouse_mcp_scope"
METHODS = ["GET", "POST", "DELETE"]


class Endpoint:
    """An ASGI app serving MCP for one `MCPServer`; `running()` belongs in the app's lifespan."""

    def __init__(self, server: MCPServer) -> None:
        # Stateless with JSON answers: any server process can answer any request (no session
        # lives in one process's memory). Requests carry an API key, not cookies, so the SDK's
        # DNS-rebinding guard (a defence for unauthenticated local servers) stays off.
        server.streamable_http_app(
            stateless_http=True,
            json_response=True,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        self._manager: StreamableHTTPSessionManager = server.session_manager
        # In stateless mode the SDK logs "Terminating session" at INFO after every request.
        logging.getLogger("mcp.server.streamable_http").setLevel(logging.WARNING)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the SDK's session manager in a task of its own: the app's lifespan being closed
        (a `GeneratorExit` thrown at its `yield`) must not land in the manager's task group,
        which would turn it into an exception group at shutdown."""
        started, stop = asyncio.Event(), asyncio.Event()

        async def serve() -> None:
            async with self._manager.run():
                started.set()
                await stop.wait()

        task = asyncio.create_task(serve())
        await asyncio.wait(
            {task, asyncio.create_task(started.wait())}, return_when="FIRST_COMPLETED"
        )
        if task.done():
            task.result()  # it failed to start: raise why
        try:
            yield
        finally:
            stop.set()
            await task

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            found = await anyio.to_thread.run_sync(project_scope, request, runtime(request))
        except TracehouseError as exc:
            await error_response(request, exc)(scope, receive, send)
            return
        setattr(request.state, _SCOPE, found)
        await self._manager.asgi_app(scope, receive, send)


def caller(ctx: Context[Any, Any]) -> tuple[Runtime, ProjectScope]:
    """The runtime and the project scope of the HTTP request that carried this tool call."""
    request = ctx.request_context.request
    assert isinstance(request, Request)
    return runtime(request), scope_of_request(request)


def scope_of_request(request: Request) -> ProjectScope:
    """The project scope `Endpoint` attached to this request."""
    found: ProjectScope = getattr(request.state, _SCOPE)
    return found
