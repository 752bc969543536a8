"""The MCP server: its tools, and the rule that read-only keys see only the read tools."""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.types import ListToolsResult
from pydantic import ValidationError
from starlette.requests import Request

from tracehouse import __version__
from tracehouse.errors import TracehouseError
from tracehouse.http.errors import field_errors
from tracehouse.mcp_server import project, traces
from tracehouse.mcp_server.endpoint import Endpoint, scope_of_request

READ_TOOLS: tuple[Callable[..., Any], ...] = (
    traces.search_traces,
    traces.search_spans,
    traces.get_trace,
    traces.list_sessions,
    traces.get_session,
    project.get_prompt,
    project.compile_prompt,
    project.list_datasets,
    project.list_dataset_items,
    project.analytics_summary,
)
WRITE_TOOLS: tuple[Callable[..., Any], ...] = (project.add_dataset_item, project.create_score)
WRITE_NAMES = frozenset(tool.__name__ for tool in WRITE_TOOLS)

INSTRUCTIONS = (
    "Tracehouse holds the traces of one project's LLM application: search traces and spans, "
    "read a trace as a tree or a session as a conversation, read prompts and datasets, "
    "score traces, and summarise cost, latency and errors. Lists page with `next_cursor`."
)


def build() -> Endpoint:
    """A new MCP server with every tool, as the ASGI endpoint to mount at `/mcp`."""
    with _root_logging_kept():
        server: MCPServer[Any] = MCPServer(
            "tracehouse",
            title="Tracehouse",
            version=__version__,
            instructions=INSTRUCTIONS,
            middleware=[_hide_write_tools],
            tools=_tools(),
        )
    return Endpoint(server)


@contextlib.contextmanager
def _root_logging_kept() -> Iterator[None]:
    """`MCPServer()` calls `logging.basicConfig` (a rich handler on the root logger at INFO);
    logging is the host's to configure (`serve` does, with credential redaction)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@functools.cache
def _tools() -> list[Tool]:
    """The tools, described once per process (their JSON schemas take ~70 ms to build, and
    every `create_app` builds a server)."""
    return [Tool.from_function(reported(tool)) for tool in (*READ_TOOLS, *WRITE_TOOLS)]


def reported(tool: Callable[..., Any]) -> Callable[..., Any]:
    """`tool` with our errors (and invalid arguments) told to the caller as tool errors; the
    SDK shows any other exception as a bare "Error executing tool"."""
    if inspect.iscoroutinefunction(tool):

        @functools.wraps(tool)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            with _as_tool_error():
                return await tool(*args, **kwargs)

        return run_async

    @functools.wraps(tool)
    def run(*args: Any, **kwargs: Any) -> Any:
        with _as_tool_error():
            return tool(*args, **kwargs)

    return run


@contextlib.contextmanager
def _as_tool_error() -> Iterator[None]:
    try:
        yield
    except TracehouseError as exc:
        details = f" {orjson.dumps(exc.details).decode()}" if exc.details else ""
        raise ToolError(f"{exc.code}: {exc.message}{details}") from exc
    except ValidationError as exc:
        fields = orjson.dumps(field_errors(exc.errors())).decode()
        raise ToolError(f"validation_error: {fields}") from exc


async def _hide_write_tools(
    ctx: ServerRequestContext[Any, Any], call_next: CallNext
) -> HandlerResult:
    """`tools/list` for a read-only key leaves out the write tools (which refuse it anyway)."""
    result = await call_next(ctx)
    request = ctx.request
    if ctx.method != "tools/list" or result is None:
        return result
    if not isinstance(request, Request) or scope_of_request(request).access != "read":
        return result
    listed = ListToolsResult.model_validate(result)
    kept = [tool for tool in listed.tools if tool.name not in WRITE_NAMES]
    return listed.model_copy(update={"tools": kept})
