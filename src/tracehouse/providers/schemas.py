"""Request models of `/api/v1/providers`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from tracehouse.http.schemas import RequestModel

Kind = Literal["openai", "azure", "anthropic"]


class CredentialIn(RequestModel):
    """A provider credential. `openai` covers every OpenAI-compatible server (vLLM, Ollama,
    LiteLLM proxies: set `base_url`); `azure` wants `base_url` `https://<resource>.openai.azure
    .com/openai` and uses the model as the deployment name."""

    name: str = Field(min_length=1, max_length=200)
    kind: Kind = "openai"
    api_key: str = Field(min_length=1, max_length=2000)
    base_url: str | None = Field(None, max_length=1000)
    api_version: str | None = Field(None, max_length=50)
    default_model: str | None = Field(None, max_length=200)
    timeout_seconds: float = Field(30.0, gt=0, le=600)
    max_retries: int = Field(2, ge=0, le=10)


class CredentialPatch(RequestModel):
    """Fields to change; a new `api_key` replaces the stored one."""

    api_key: str | None = Field(None, min_length=1, max_length=2000)
    base_url: str | None = Field(None, max_length=1000)
    api_version: str | None = Field(None, max_length=50)
    default_model: str | None = Field(None, max_length=200)
    timeout_seconds: float | None = Field(None, gt=0, le=600)
    max_retries: int | None = Field(None, ge=0, le=10)

    @field_validator("api_key", "timeout_seconds", "max_retries", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Omitted keeps the stored value; these have no null to set.
        if value is None:
            raise ValueError("may be omitted but not null")
        return value
