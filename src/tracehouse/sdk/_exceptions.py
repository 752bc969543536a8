"""The SDK's exception tree. Tracing calls never raise these into your code: only building a
client with invalid settings does (`ConfigurationError`)."""

from __future__ import annotations


class TracehouseError(Exception):
    """Base class of every error the SDK defines."""


class ConfigurationError(TracehouseError, ValueError):
    """An invalid argument or environment variable when a client is built."""


class ServerError(TracehouseError):
    """The server answered a request with an error (`status`: its HTTP status)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status
