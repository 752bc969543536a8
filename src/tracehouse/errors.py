"""The domain error tree: every error a service raises, each with its API code and HTTP status."""

from __future__ import annotations

from typing import Any, ClassVar


class TracehouseError(Exception):
    """Base of every error the API reports; `code` and `status` go into the error envelope."""

    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500

    def __init__(self, message: str, details: Any = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}


class InvalidRequest(TracehouseError):
    code = "invalid_request"
    status = 400


class Unauthorized(TracehouseError):
    code = "unauthorized"
    status = 401


class QuotaExceeded(TracehouseError):
    code = "quota_exceeded"
    status = 402


class Forbidden(TracehouseError):
    code = "forbidden"
    status = 403


class NotFound(TracehouseError):
    code = "not_found"
    status = 404


class Conflict(TracehouseError):
    code = "conflict"
    status = 409


class Gone(TracehouseError):
    """What was here was taken down (an unpublished, expired or used-up tape)."""

    code = "gone"
    status = 410


class PayloadTooLarge(TracehouseError):
    code = "payload_too_large"
    status = 413


class UnsupportedMediaType(TracehouseError):
    code = "unsupported_media_type"
    status = 415


class ValidationFailed(TracehouseError):
    code = "validation_error"
    status = 422


class RateLimited(TracehouseError):
    code = "rate_limited"
    status = 429


class ProviderFailed(TracehouseError):
    """An LLM provider called on the caller's behalf failed (5xx, rate limit, network)."""

    code = "provider_error"
    status = 502


class Unavailable(TracehouseError):
    code = "unavailable"
    status = 503


ALL_ERRORS: tuple[type[TracehouseError], ...] = (
    InvalidRequest,
    Unauthorized,
    QuotaExceeded,
    Forbidden,
    NotFound,
    Conflict,
    Gone,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    RateLimited,
    TracehouseError,
    ProviderFailed,
    Unavailable,
)
