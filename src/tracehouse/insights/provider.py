"""A project's OpenAI-compatible LLM provider for root-cause analysis: the API key is stored
encrypted (Fernet, keyed by the server secret of `providers.secrets`), never returned or
logged."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
from cryptography.fernet import Fernet, InvalidToken

from tracehouse.audit import service as audit
from tracehouse.clock import iso, now_us
from tracehouse.errors import InvalidRequest, NotFound, Unavailable
from tracehouse.http.auth import ProjectScope
from tracehouse.insights import store
from tracehouse.providers import secrets
from tracehouse.runtime import Runtime

TIMEOUT_SECONDS = 30.0
SYSTEM_PROMPT = (
    "You analyse failed traces of LLM applications. Answer with one JSON object with the keys "
    "root_cause (string), failed_step (string), contributing_factors (list of strings), "
    "suggested_fix (string) and confidence (number 0-1)."
)


def _fernet(rt: Runtime) -> Fernet:
    # The one server secret of `providers.secrets` (configured, else generated once).
    return secrets.fernet(secrets.server_secret(rt.settings, rt.db.writer))


def _hint(api_key: str) -> str:
    return f"…{api_key[-4:]}" if len(api_key) >= 12 else "…"


def put(rt: Runtime, scope: ProjectScope, base_url: str, model: str, api_key: str) -> None:
    scope.require_write()
    token = _fernet(rt).encrypt(api_key.encode()).decode()
    row = {
        "project_rowid": scope.project_rowid,
        "base_url": base_url.rstrip("/"),
        "model": model,
        "api_key_encrypted": token,
        "api_key_hint": _hint(api_key),
        "updated_at": now_us(),
    }
    with rt.db.writer.begin() as conn:
        store.put_provider(conn, row)
        shown = {"base_url": row["base_url"], "model": model, "api_key": "[set]"}
        target = ("insights_provider", scope.project_id)
        audit.record(
            conn, "insights_provider.put", target, project_rowid=scope.project_rowid, after=shown
        )


def get(rt: Runtime, scope: ProjectScope) -> dict[str, Any]:
    with rt.db.reader.connect() as conn:
        row = store.get_provider(conn, scope.project_rowid)
    if row is None:
        raise NotFound("No LLM provider is configured for this project.")
    return {
        "base_url": row["base_url"],
        "model": row["model"],
        "api_key_hint": row["api_key_hint"],
        "updated_at": iso(row["updated_at"]),
    }


def delete(rt: Runtime, scope: ProjectScope) -> None:
    scope.require_write()
    with rt.db.writer.begin() as conn:
        if not store.delete_provider(conn, scope.project_rowid):
            raise NotFound("No LLM provider is configured for this project.")
        target = ("insights_provider", scope.project_id)
        audit.record(conn, "insights_provider.delete", target, project_rowid=scope.project_rowid)


def configured(rt: Runtime, project_rowid: int) -> tuple[str, str, str] | None:
    """(base_url, model, api key) of the project's provider, or None."""
    with rt.db.reader.connect() as conn:
        row = store.get_provider(conn, project_rowid)
    if row is None:
        return None
    try:
        key = _fernet(rt).decrypt(row["api_key_encrypted"].encode()).decode()
    except (InvalidToken, InvalidRequest) as exc:
        raise Unavailable(
            "The stored provider key cannot be decrypted (TRACEHOUSE_SECRET_KEY changed?)."
        ) from exc
    return row["base_url"], row["model"], key


def complete(base_url: str, model: str, api_key: str, prompt: str) -> dict[str, Any]:
    """Ask the provider; returns the JSON object it answered, or {"root_cause": its text}.

    Raises httpx.HTTPError on transport or HTTP errors (the key is in no message),
    MalformedAnswer when the answer is unusable."""
    response = httpx.post(
        f"{base_url}/chat/completions",
        json={
            "model": model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": prompt},
            ],
            "response_format": {"type": "json_object"},
            "temperature": 0,
        },
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=TIMEOUT_SECONDS,
    )
    response.raise_for_status()
    return parse_answer(response.json()["choices"][0]["message"]["content"] or "")


def parse_answer(content: str) -> dict[str, Any]:
    """The JSON object answered (also inside a ```json fence), or {"root_cause": the text} for
    prose. Raises MalformedAnswer for an answer that starts as JSON but does not parse, or
    for an empty one: a broken object is no explanation."""
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    if not text:
        raise MalformedAnswer("empty answer")
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        if text.startswith(("{", "[")):
            raise MalformedAnswer("answer is not valid JSON") from exc
        return {"root_cause": text}
    if not isinstance(parsed, dict):
        raise MalformedAnswer("answer is not a JSON object")
    return parsed


class MalformedAnswer(ValueError):
    """The provider answered, but nothing usable."""
