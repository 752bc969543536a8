"""Client settings from arguments, else `TRACEHOUSE_*` environment variables, else defaults."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracehouse.sdk._exceptions import ConfigurationError

DEFAULT_HOST = "http://127.0.0.1:8000"
Mask = Callable[[Any], Any]


@dataclass(frozen=True)
class Config:
    """Resolved settings of one `Tracehouse` client (see its docstring for each field)."""

    host: str
    api_key: str | None
    project: str | None
    enabled: bool
    sample_rate: float
    capture: bool
    mask: Mask | None
    environment: str | None
    release: str | None
    batch_size: int
    flush_interval: float
    max_queue: int
    max_queue_bytes: int
    max_item_bytes: int
    timeout: float
    max_retry_delay: float
    gzip: bool
    fork_id: str | None = None

    def headers(self) -> dict[str, str]:
        return headers(self.api_key, self.project)


def headers(api_key: str | None, project: str | None) -> dict[str, str]:
    """What every request to the server carries."""
    from tracehouse import __version__

    out = {"User-Agent": f"tracehouse-python/{__version__}"}
    if api_key:
        out["Authorization"] = f"Bearer {api_key}"
    if project:
        out["X-Project-Name"] = project
    return out


def connection(
    host: str | None, api_key: str | None, project: str | None
) -> tuple[str, str | None, str | None]:
    """Host, API key and project from the arguments, else the environment. The server URL is
    `TRACEHOUSE_BASE_URL`, else `TRACEHOUSE_HOST` (the server itself listens on
    `TRACEHOUSE_LISTEN_HOST`)."""
    url = host or env("TRACEHOUSE_BASE_URL") or env("TRACEHOUSE_HOST") or DEFAULT_HOST
    return (
        normalise_host(url),
        api_key or env("TRACEHOUSE_API_KEY"),
        project or env("TRACEHOUSE_PROJECT"),
    )


def env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def normalise_host(host: str) -> str:
    """`127.0.0.1:8000` and `http://127.0.0.1:8000/` both become `http://127.0.0.1:8000`."""
    host = host.strip().rstrip("/")
    if "://" not in host:
        host = f"http://{host}"
    return host


def _env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {value!r}")


def _env_float(name: str, default: float) -> float:
    value = env(name)
    try:
        return default if value is None else float(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, not {value!r}") from None


def resolve(
    host: str | None,
    api_key: str | None,
    project: str | None,
    enabled: bool | None,
    sample_rate: float | None,
    **rest: Any,
) -> Config:
    """Arguments win over the environment; validates ranges."""
    host, api_key, project = connection(host, api_key, project)
    rate = _env_float("TRACEHOUSE_SAMPLE_RATE", 1.0) if sample_rate is None else sample_rate
    if not 0.0 <= rate <= 1.0:
        raise ConfigurationError(f"sample_rate must be between 0 and 1, not {rate}")
    for name in ("batch_size", "max_queue", "max_queue_bytes", "max_item_bytes"):
        if rest[name] < 1:
            raise ConfigurationError(f"{name} must be at least 1")
    return Config(
        host=host,
        api_key=api_key,
        project=project,
        enabled=_env_bool("TRACEHOUSE_ENABLED", True) if enabled is None else enabled,
        sample_rate=rate,
        environment=rest.pop("environment") or env("TRACEHOUSE_ENVIRONMENT"),
        release=rest.pop("release") or env("TRACEHOUSE_RELEASE"),
        fork_id=rest.pop("fork_id", None) or env("TRACEHOUSE_FORK_ID"),
        **rest,
    )
