"""The SDK's exception tree. Tracing calls never raise these into your code: only building a
client with invalid settings does (`ConfigurationError`)."""

from __future__ import annotations


class TracehouseError(Exception):
    """Base class of every error the SDK defines."""


class ConfigurationError(TracehouseError, ValueError):
    """An invalid argument or environment variable when a client is built."""
