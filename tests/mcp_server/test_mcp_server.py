"""The MCP server at `/mcp`, driven by the official `mcp` client against a real server process:
every tool, project scoping, read-only keys, bad keys, size bounds and paging."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, TextContent
from tests.conftest import _truncate
from tests.server import ServerProcess, start_server
from tests.test_traces import agent_trace

pytestmark = [pytest.mark.slow, pytest.mark.anyio]

SECRET = "sk-th-mcp-write-secret-of-32-characters"
INIT = {
    "TRACEHOUSE_INIT_ORG_NAME": "Robots",
    "TRACEHOUSE_INIT_PROJECT_NAME": "factory",
    "TRACEHOUSE_INIT_USER_EMAIL": "ops@example.com",
    "TRACEHOUSE_INIT_USER_PASSWORD": "s3cret-pass",
    "TRACEHOUSE_INIT_PUBLIC_KEY": "pk-th-mcp",
    "TRACEHOUSE_INIT_SECRET_KEY": SECRET,
}
READ_TOOLS = {
    "search_traces",
    "search_spans",
    "get_trace",
    "list_sessions",
    "get_session",
    "get_prompt",
    "compile_prompt",
    "list_datasets",
    "list_dataset_items",
    "analytics_summary",
}
WRITE_TOOLS = {"add_dataset_item", "create_score"}


@dataclass
class Served:
    server: ServerProcess
    write_key: str
    read_key: str
    other_key: str

    @property
    def mcp_url(self) -> str:
        return f"{self.server.url}/mcp"


def _seed(url: str) -> tuple[str, str]:
    """Data in `factory` through the REST API; returns a read-only key and another project's."""
    auth = {"Authorization": f"Bearer {SECRET}"}
    with httpx.Client(base_url=url, headers=auth) as http:
        for n in range(3):
            trace = agent_trace(f"trace-{n}")
            trace["output"] = "x" * 50_000 if n == 2 else "It is in Berlin."
            for span in trace["observations"]:
                span["id"] = f"{span['id']}-{n}"
                if "parentId" in span:
                    span["parentId"] = f"{span['parentId']}-{n}"
            assert http.post("/api/v1/traces", json=trace).status_code == 201
        prompt = {
            "name": "greet",
            "type": "text",
            "prompt": "Hello {{name}}!",
            "labels": ["production"],
        }
        assert http.post("/api/v1/prompts", json=prompt).status_code == 201
        assert http.post("/api/v1/datasets", json={"name": "golden"}).status_code == 201
        token = http.post(
            "/api/v1/auth/login", json={"email": "ops@example.com", "password": "s3cret-pass"}
        ).json()["token"]
        manage = {"Authorization": f"Bearer {token}"}
        project_id = http.get("/api/v1/projects", headers=manage).json()["data"][0]["id"]
        read = http.post(
            f"/api/v1/projects/{project_id}/keys", json={"access": "read"}, headers=manage
        ).json()["secret_key"]
        other = http.post("/api/v1/projects", json={"name": "elsewhere"}, headers=manage).json()
    return read, other["api_key"]["secret_key"]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """One server process (on SQLite, then on PostgreSQL) with data in two projects."""
    env = dict(INIT)
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        _truncate(url)
        env["TRACEHOUSE_DATABASE_URL"] = url
    server = start_server(tmp_path_factory.mktemp("mcp") / "data", env=env)
    try:
        read, other = _seed(server.url)
        yield Served(server, SECRET, read, other)
    finally:
        server.stop()


class Client:
    """One MCP client session with a key; `call` returns a tool's JSON result."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session

    async def call(self, tool: str, /, **arguments: Any) -> Any:
        result = await self.session.call_tool(tool, arguments)
        assert not result.is_error, _text(result)
        return json.loads(_text(result))

    async def error(self, tool: str, /, **arguments: Any) -> str:
        result = await self.session.call_tool(tool, arguments)
        assert result.is_error
        return _text(result)

    async def tool_names(self) -> set[str]:
        return {tool.name for tool in (await self.session.list_tools()).tools}


def _text(result: CallToolResult) -> str:
    content = result.content[0]
    assert isinstance(content, TextContent)
    return content.text


class connect:
    """`async with connect(url, key) as client`: the real streamable-HTTP client and session."""

    def __init__(self, url: str, key: str) -> None:
        self.http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=30)
        self.url = url

    async def __aenter__(self) -> Client:
        self._transport = streamable_http_client(self.url, http_client=self.http)
        read, write = await self._transport.__aenter__()
        self._session = ClientSession(read, write)
        await self._session.__aenter__()
        await self._session.initialize()
        return Client(self._session)

    async def __aexit__(self, *exc: object) -> None:
        await self._session.__aexit__(*exc)
        await self._transport.__aexit__(*exc)
        await self.http.aclose()


async def test_lists_every_tool_and_reads_traces(served: Served) -> None:
    async with connect(served.mcp_url, served.write_key) as client:
        assert await client.tool_names() == READ_TOOLS | WRITE_TOOLS
        found = await client.call("search_traces", query="parcel", limit=2)
        assert found["total"] == 3
        assert len(found["items"]) == 2 and found["next_cursor"]
        rest = await client.call(
            "search_traces", query="parcel", limit=2, cursor=found["next_cursor"]
        )
        ids = {t["id"] for t in found["items"]} | {t["id"] for t in rest["items"]}
        assert ids == {"trace-0", "trace-1", "trace-2"} and rest["next_cursor"] is None
        spans = await client.call("search_spans", type="generation")
        assert spans["total"] == 3 and {s["model"] for s in spans["items"]} == {"gpt-4o"}
        tools = await client.call("search_spans", query="track_parcel")
        assert tools["total"] == 3 and {s["type"] for s in tools["items"]} == {"tool"}
        tree = await client.call("get_trace", trace_id="trace-1")
        assert tree["trace"]["name"] == "support-agent"
        shape = [(s["id"], s["depth"]) for s in tree["spans"]["items"]]
        assert shape == [("root-1", 0), ("llm-1", 1), ("tool-1", 1)]
        head = await client.call("get_trace", trace_id="trace-1", limit=2)
        assert [s["id"] for s in head["spans"]["items"]] == ["root-1", "llm-1"]
        tail = await client.call(
            "get_trace", trace_id="trace-1", limit=2, cursor=head["spans"]["next_cursor"]
        )
        assert [s["id"] for s in tail["spans"]["items"]] == ["tool-1"]
        assert tail["spans"]["next_cursor"] is None


async def test_results_are_size_bounded(served: Served) -> None:
    async with connect(served.mcp_url, served.write_key) as client:
        tree = await client.call("get_trace", trace_id="trace-2")
        assert len(tree["trace"]["output"]) < 400
        assert "more characters" in tree["trace"]["output"]
        found = await client.call("search_traces", limit=100)
        assert len(json.dumps(found)) < 30_000


async def test_sessions_prompts_datasets_analytics(served: Served) -> None:
    async with connect(served.mcp_url, served.write_key) as client:
        sessions = await client.call("list_sessions")
        assert [s["id"] for s in sessions["items"]] == ["sess-1"]
        conversation = await client.call("get_session", session_id="sess-1", limit=2)
        assert conversation["turns"]["total"] == 3
        assert len(conversation["turns"]["items"]) == 2 and conversation["turns"]["next_cursor"]
        assert conversation["turns"]["items"][0]["input"] == {"question": "Where is my parcel?"}
        prompt = await client.call("get_prompt", name="greet")
        assert prompt["prompt"] == "Hello {{name}}!" and prompt["version"] == 1
        compiled = await client.call("compile_prompt", name="greet", variables={"name": "Ada"})
        assert compiled["compiled"] == "Hello Ada!"
        missing = await client.error("compile_prompt", name="greet")
        assert "validation_error:" in missing and "variables.name" in missing
        bad_time = await client.error("search_traces", from_time="yesterday-ish")
        assert "validation_error:" in bad_time and "from" in bad_time
        datasets = await client.call("list_datasets")
        assert [d["name"] for d in datasets["items"]] == ["golden"]
        added = await client.call(
            "add_dataset_item", dataset="golden", input={"q": "hi"}, expected_output="hello"
        )
        items = await client.call("list_dataset_items", dataset="golden")
        assert [i["id"] for i in items["items"]] == [added["id"]]
        score = await client.call("create_score", name="helpful", value=1, trace_id="trace-1")
        assert score["id"]
        summary = await client.call(
            "analytics_summary", from_time="2026-11-01T00:00:00Z", to_time="2026-11-02T00:00:00Z"
        )
        assert summary["summary"]["total_traces"] == 3


async def test_read_only_key_gets_read_tools_only(served: Served) -> None:
    async with connect(served.mcp_url, served.read_key) as client:
        assert await client.tool_names() == READ_TOOLS
        assert (await client.call("search_traces"))["total"] == 3
        refused = await client.error("create_score", name="x", value=1, trace_id="trace-1")
        assert "forbidden: read-only" in refused.lower()
        refused = await client.error("add_dataset_item", dataset="golden", input="x")
        assert "forbidden: read-only" in refused.lower()


async def test_another_projects_key_sees_nothing_here(served: Served) -> None:
    async with connect(served.mcp_url, served.other_key) as client:
        assert (await client.call("search_traces"))["total"] == 0
        assert "No trace" in await client.error("get_trace", trace_id="trace-1")
        assert (await client.call("list_datasets"))["items"] == []


def test_bad_or_missing_key_is_refused(served: Served) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream"}
    for auth in ({}, {"Authorization": "Bearer sk-th-wrong"}):
        response = httpx.post(served.mcp_url, json=body, headers={**headers, **auth})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
