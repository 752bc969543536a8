"""The same PII sent through every ingestion path, and a search of the database for it."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from tests.conftest import Harness

from tracehouse.store.tables import metadata

EMAIL = "jane.roe@example.org"
PHONE = "+44 20 7946 0958"
CARD = "4111 1111 1111 1111"
IBAN = "GB82 WEST 1234 5698 7654 32"
IP = "203.0.113.77"
OPENAI_KEY = "sk-proj-A1b2C3d4E5f6G7h8I9j0K1l2"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
GITHUB_TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
JWT = (
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lLXJvZS0wMDEifQ."
    "Zk8d3oLw0rcDZkJYmOqgkIw4J1eS1n0yAqoLkvsBZz4"
)
BEARER = "Bearer c2VjcmV0LWJlYXJlci12YWx1ZQ"
EMPLOYEE = "EMP-734921"
#: Distinctive fragments: none may remain anywhere in the database.
SECRETS = (
    "jane.roe",
    "example.org",
    "7946 0958",
    "1111 1111 1111",
    "WEST 1234",
    "203.0.113.77",
    "A1b2C3d4E5f6",
    "IOSFODNN7",
    "abcdefghijklmnopqrstuvwxyz0123456789",
    "Zk8d3oLw0rcDZkJY",
    "c2VjcmV0LWJlYXJlci12YWx1ZQ",
    "734921",
)
TEXT = (
    f"Contact {EMAIL} or {PHONE}; card {CARD}; IBAN {IBAN}; from {IP}; "
    f"keys {OPENAI_KEY} {AWS_KEY} {GITHUB_TOKEN}; token {JWT}; header {BEARER}; "
    f"employee {EMPLOYEE}"
)
BUILT_INS = ("email", "phone", "card", "iban", "ip", "api_key", "jwt", "bearer")


async def add_rules(th: Harness, auth: dict[str, str], action: str = "redact") -> None:
    for detector in BUILT_INS:
        body = {"detector": detector, "action": action}
        response = await th.client.post("/api/v1/masking-rules", json=body, headers=auth)
        assert response.status_code == 201, response.text
    custom = {"detector": "custom", "name": "employee", "pattern": r"EMP-\d{6}"}
    response = await th.client.post("/api/v1/masking-rules", json=custom, headers=auth)
    assert response.status_code == 201, response.text


def database_text(th: Harness) -> bytes:
    """Every byte the database holds: the SQLite files, or every PostgreSQL row as text."""
    url = th.settings.resolved_database_url
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        return b"".join(file.read_bytes() for file in files if file.exists())
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    chunks: list[str] = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(text(f'SELECT t::text FROM "{table.name}" t')).scalars()
            chunks.extend(rows)
    engine.dispose()
    return "\n".join(chunks).encode()


def leaks(th: Harness) -> list[str]:
    raw = database_text(th)
    return [secret for secret in SECRETS if secret.encode() in raw]


def hex_to_b64(value: str) -> str:
    return base64.b64encode(bytes.fromhex(value)).decode()


def attributes(values: dict[str, str]) -> list[dict[str, Any]]:
    return [{"key": k, "value": {"stringValue": v}} for k, v in values.items()]
