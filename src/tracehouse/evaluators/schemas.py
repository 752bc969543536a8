"""Request models of `/api/v1/evaluators`: one config model per kind."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from tracehouse.evaluators.rules import RULES
from tracehouse.evaluators.templates import BUILTINS
from tracehouse.http.schemas import RequestModel
from tracehouse.pricing.patterns import compile_pattern


class OutputSpec(RequestModel):
    """What the judge returns: a number in [min, max], a boolean, or one of `categories`."""

    type: Literal["numeric", "boolean", "categorical"] = "numeric"
    min: float = 0.0
    max: float = 1.0
    categories: list[str] = Field(default_factory=list)


class JudgeConfig(RequestModel):
    """LLM-as-judge: a built-in `template` or a custom `prompt` with `{{variables}}`, each mapped
    to a target field path (`input`, `output`, `expected_output`, `metadata.context`, ...)."""

    kind: Literal["llm_judge"] = "llm_judge"
    template: str | None = Field(None, description=f"Built-in: {', '.join(BUILTINS)}.")
    prompt: str | None = Field(None, max_length=50_000)
    variable_mapping: dict[str, str] = Field(default_factory=dict)
    output: OutputSpec | None = None
    provider: str = Field(description="Provider credential id or name.")
    model: str | None = Field(None, description="Defaults to the credential's default model.")
    temperature: float = Field(0.0, ge=0, le=2)

    @model_validator(mode="after")
    def _template_or_prompt(self) -> JudgeConfig:
        if (self.template is None) == (self.prompt is None):
            raise ValueError("give exactly one of `template` and `prompt`")
        if self.template is not None and self.template not in BUILTINS:
            raise ValueError(f"unknown template {self.template!r}; built-in: {', '.join(BUILTINS)}")
        out = self.output
        if out is not None and out.type == "categorical" and not out.categories:
            raise ValueError("categorical output needs `categories`")
        return self


class CodeConfig(RequestModel):
    """A rule: `json_valid`, `regex` (`pattern`), `contains` (`value`), `length`, `latency`
    (ms) or `cost` (USD) with `min`/`max`; on `field` (default `output`)."""

    kind: Literal["code"] = "code"
    rule: Literal["json_valid", "regex", "contains", "length", "latency", "cost"]
    field: str = "output"
    pattern: str | None = None
    value: str | None = None
    case_sensitive: bool = True
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _arguments(self) -> CodeConfig:
        assert self.rule in RULES
        if self.rule == "regex" and not self.pattern:
            raise ValueError("the regex rule needs `pattern`")
        if self.rule == "regex" and self.pattern:
            compile_pattern(self.pattern, case_sensitive=self.case_sensitive)  # ValueError: 422
        if self.rule == "contains" and self.value is None:
            raise ValueError("the contains rule needs `value`")
        if self.rule in ("length", "latency", "cost") and self.min is None and self.max is None:
            raise ValueError(f"the {self.rule} rule needs `min` or `max`")
        return self


class HumanConfig(RequestModel):
    """Human annotation: executing it puts the target's trace in the annotation queue."""

    kind: Literal["human"] = "human"
    queue: str = Field(description="Annotation queue id or name.")


Config = Annotated[JudgeConfig | CodeConfig | HumanConfig, Field(discriminator="kind")]


class EvaluatorIn(RequestModel):
    name: str = Field(min_length=1, max_length=200, description="Also the name of its scores.")
    description: str | None = Field(None, max_length=10_000)
    config: Config


class EvaluatorPatch(RequestModel):
    description: str | None = Field(None, max_length=10_000)
    config: Config | None = None


class TargetIn(RequestModel):
    """Exactly one target: a trace, an observation, a session or a dataset run."""

    trace_id: str | None = None
    observation_id: str | None = None
    session_id: str | None = None
    dataset_run_id: str | None = None

    @model_validator(mode="after")
    def _one(self) -> TargetIn:
        given = [k for k, v in self.model_dump().items() if v is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of trace_id, observation_id, session_id, dataset_run_id"
            )
        return self

    def kind_and_id(self) -> tuple[str, str]:
        for key, value in self.model_dump().items():
            if value is not None:
                return key.removesuffix("_id"), str(value)
        raise AssertionError("validated")
