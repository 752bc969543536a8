"""One chat client for every provider kind: OpenAI-compatible (OpenAI, vLLM, Ollama, LiteLLM
proxies), Azure OpenAI and Anthropic. Timeouts and retries (429, 5xx, network errors) with
backoff; returns the text, the tool calls, the token usage and the timing, so callers can trace
and price it. Messages and tools are given in OpenAI's form (tool calls on assistant messages,
`tool` messages for their results) and translated for Anthropic."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from tracehouse.clock import now_us

KINDS = ("openai", "azure", "anthropic")
DEFAULT_URLS = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com"}
ANTHROPIC_VERSION = "2023-06-01"
#: Transient answers worth another try; 529 is Anthropic's "overloaded".
_RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})


@dataclass(frozen=True)
class Provider:
    """Everything needed to call a provider (the API key in clear: keep it in memory only)."""

    kind: str
    api_key: str
    base_url: str | None = None
    api_version: str | None = None
    timeout_seconds: float = 30.0
    max_retries: int = 2
    #: Tests shorten the backoff; production waits 0.5 s, 1 s, 2 s, ...
    backoff_seconds: float = 0.5

    def __repr__(self) -> str:  # never print the key
        return f"Provider(kind={self.kind!r}, base_url={self.base_url!r})"


@dataclass
class Completion:
    text: str
    model: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    start_us: int = 0
    end_us: int = 0
    attempts: int = 1
    raw: dict[str, Any] = field(default_factory=dict)
    #: OpenAI's form: `{"id", "type": "function", "function": {"name", "arguments"}}`.
    tool_calls: list[dict[str, Any]] = field(default_factory=list)

    def message(self) -> dict[str, Any]:
        """The answer as an assistant message (OpenAI's form), to carry a conversation on."""
        out: dict[str, Any] = {"role": "assistant", "content": self.text or None}
        if self.tool_calls:
            out["tool_calls"] = self.tool_calls
        return out


@dataclass(frozen=True)
class Options:
    """What a call may set besides the model and the messages (None: the provider's default)."""

    temperature: float | None = 0.0
    max_tokens: int | None = None
    tools: list[dict[str, Any]] | None = None
    response_format: dict[str, Any] | None = None


class ProviderError(Exception):
    """The provider failed after every retry (or refused in a way retrying cannot fix)."""

    def __init__(self, message: str, attempts: int, status: int | None = None):
        super().__init__(message)
        self.attempts = attempts
        self.status = status


def _request(
    provider: Provider, model: str, messages: list[dict[str, Any]], options: Options
) -> tuple[str, dict[str, str], dict[str, Any], dict[str, str]]:
    """(url, headers, body, query) for one chat call."""
    base = (provider.base_url or DEFAULT_URLS.get(provider.kind, "")).rstrip("/")
    if provider.kind == "anthropic":
        headers = {"x-api-key": provider.api_key, "anthropic-version": ANTHROPIC_VERSION}
        return f"{base}/v1/messages", headers, _anthropic_body(model, messages, options), {}
    body: dict[str, Any] = {"model": model, "messages": messages}
    body.update(
        (key, value)
        for key, value in (
            ("temperature", options.temperature),
            ("max_tokens", options.max_tokens),
            ("tools", options.tools),
            ("response_format", options.response_format),
        )
        if value is not None
    )
    if provider.kind == "azure":  # base_url: https://<resource>.openai.azure.com/openai
        query = {"api-version": provider.api_version or "2024-06-01"}
        url = f"{base}/deployments/{model}/chat/completions"
        return url, {"api-key": provider.api_key}, body, query
    headers = {"Authorization": f"Bearer {provider.api_key}"}
    return f"{base}/chat/completions", headers, body, {}


def _anthropic_body(model: str, messages: list[dict[str, Any]], options: Options) -> dict[str, Any]:
    """Anthropic's Messages body; it has no `response_format`."""
    system = "\n".join(str(m["content"]) for m in messages if m["role"] == "system")
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": options.max_tokens or 1024,
        "messages": [_anthropic_message(m) for m in messages if m["role"] != "system"],
    }
    if options.temperature is not None:
        body["temperature"] = options.temperature
    if system:
        body["system"] = system
    if options.tools:
        body["tools"] = [_anthropic_tool(t) for t in options.tools]
    return body


def _anthropic_message(message: dict[str, Any]) -> dict[str, Any]:
    if message["role"] == "tool":
        result = {"type": "tool_result", "tool_use_id": message.get("tool_call_id")}
        return {"role": "user", "content": [{**result, "content": str(message["content"])}]}
    calls = message.get("tool_calls")
    if message["role"] != "assistant" or not calls:
        return {"role": message["role"], "content": message["content"]}
    blocks: list[dict[str, Any]] = []
    if message.get("content"):
        blocks.append({"type": "text", "text": message["content"]})
    for call in calls:
        function = call.get("function") or {}
        arguments = json.loads(function.get("arguments") or "{}")
        blocks.append(
            {"type": "tool_use", "id": call.get("id"), "name": function.get("name"),
             "input": arguments}
        )  # fmt: skip
    return {"role": "assistant", "content": blocks}


def _anthropic_tool(tool: dict[str, Any]) -> dict[str, Any]:
    function = tool.get("function") or tool
    return {
        "name": function.get("name"),
        "description": function.get("description", ""),
        "input_schema": function.get("parameters") or {"type": "object", "properties": {}},
    }


def _parse(kind: str, data: dict[str, Any], model: str) -> Completion:
    if kind == "anthropic":
        blocks = data.get("content") or []
        usage = data.get("usage") or {}
        return Completion(
            text="".join(b.get("text", "") for b in blocks),
            model=data.get("model") or model,
            input_tokens=usage.get("input_tokens"),
            output_tokens=usage.get("output_tokens"),
            raw=data,
            tool_calls=[_tool_call(b) for b in blocks if b.get("type") == "tool_use"],
        )
    choices = data.get("choices") or [{}]
    usage = data.get("usage") or {}
    message = choices[0].get("message") or {}
    return Completion(
        text=message.get("content") or "",
        model=data.get("model") or model,
        input_tokens=usage.get("prompt_tokens"),
        output_tokens=usage.get("completion_tokens"),
        raw=data,
        tool_calls=list(message.get("tool_calls") or []),
    )


def _tool_call(block: dict[str, Any]) -> dict[str, Any]:
    """An Anthropic `tool_use` block in OpenAI's form."""
    arguments = json.dumps(block.get("input") or {})
    function = {"name": block.get("name"), "arguments": arguments}
    return {"id": block.get("id"), "type": "function", "function": function}


async def post_json(
    provider: Provider,
    url: str,
    body: dict[str, Any],
    *,
    headers: dict[str, str],
    query: dict[str, str],
    transport: httpx.AsyncBaseTransport | None = None,
) -> tuple[dict[str, Any], int]:
    """POST `body`, retried on transient failures: (the JSON answer, attempts made); raises
    `ProviderError`. Chat and embeddings calls share it."""
    last = "no attempt made"
    status: int | None = None
    async with httpx.AsyncClient(timeout=provider.timeout_seconds, transport=transport) as client:
        for attempt in range(1, provider.max_retries + 2):
            if attempt > 1:
                await asyncio.sleep(provider.backoff_seconds * 2 ** (attempt - 2))
            try:
                response = await client.post(url, json=body, headers=headers, params=query)
            except httpx.TimeoutException:
                last, status = f"timed out after {provider.timeout_seconds} s", None
                continue
            except httpx.HTTPError as exc:
                last, status = f"{type(exc).__name__}: {exc}", None
                continue
            status = response.status_code
            if response.is_success:
                return response.json(), attempt
            # some providers echo what they were sent; never let the key into a message
            body_text = response.text[:300].replace(provider.api_key, "…")
            last = f"HTTP {status}: {body_text}"
            if status not in _RETRY_STATUSES:
                raise ProviderError(f"provider refused the call ({last})", attempt, status)
    raise ProviderError(f"provider failed after {attempt} attempts ({last})", attempt, status)


async def chat(
    provider: Provider,
    model: str,
    messages: list[dict[str, Any]],
    *,
    temperature: float | None = 0.0,
    options: Options | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Completion:
    """One chat completion, retried on transient failures; raises `ProviderError`. `options`
    (max tokens, tools, response format) replaces `temperature` when given."""
    options = options or Options(temperature=temperature)
    url, headers, body, query = _request(provider, model, messages, options)
    start = now_us()
    data, attempts = await post_json(
        provider, url, body, headers=headers, query=query, transport=transport
    )
    completion = _parse(provider.kind, data, model)
    completion.start_us, completion.end_us, completion.attempts = start, now_us(), attempts
    return completion
