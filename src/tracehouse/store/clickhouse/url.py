"""`TRACEHOUSE_CLICKHOUSE_URL`: a server (`http(s)://user:password@host:port/database`) or chDB
in-process (`chdb:///absolute/path` or `chdb://relative/path`, `?database=` to name it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_DATABASE = "tracehouse"


@dataclass(frozen=True)
class Target:
    """Where ClickHouse is: `path` set for chDB, else a server's address."""

    database: str
    path: Path | None = None
    host: str = "localhost"
    port: int = 8123
    secure: bool = False
    username: str = "default"
    password: str = ""

    @property
    def embedded(self) -> bool:
        """chDB in this process (one process owns its directory)."""
        return self.path is not None


def parse(url: str) -> Target:
    """The target of a ClickHouse URL; `ValueError` names what is wrong."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme == "chdb":
        path = unquote(parts.netloc + parts.path)
        if not path:
            raise ValueError("chdb:// needs a directory: chdb:///var/lib/tracehouse/clickhouse")
        return Target(database=query.get("database", DEFAULT_DATABASE), path=Path(path))
    if parts.scheme not in ("http", "https"):
        raise ValueError("must start with http://, https:// or chdb://")
    if not parts.hostname:
        raise ValueError("needs a host: http://host:8123/database")
    secure = parts.scheme == "https"
    return Target(
        database=parts.path.strip("/") or query.get("database", DEFAULT_DATABASE),
        host=parts.hostname,
        port=parts.port or (8443 if secure else 8123),
        secure=secure,
        username=unquote(parts.username or "default"),
        password=unquote(parts.password or ""),
    )
