"""The evaluator form: its flat fields to an evaluator config (checked by the API's own models)
and back, and the variables a judge prompt shows for mapping."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from tracehouse.evaluators.schemas import EvaluatorIn, EvaluatorPatch
from tracehouse.evaluators.templates import BUILTINS, placeholders

KINDS = {"llm_judge": "LLM judge", "code": "Code rule", "human": "Human annotation"}
CUSTOM = "custom"


def _number(raw: str | None) -> float | None:
    raw = (raw or "").strip()
    return float(raw) if raw else None


def _blank(raw: str | None) -> str | None:
    return (raw or "").strip() or None


def _judge(fields: dict[str, str]) -> dict[str, Any]:
    template = fields.get("template") or CUSTOM
    mapping = {
        key.removeprefix("var."): value.strip()
        for key, value in fields.items()
        if key.startswith("var.") and value.strip()
    }
    config: dict[str, Any] = {
        "kind": "llm_judge",
        "provider": fields.get("provider", ""),
        "model": _blank(fields.get("model")),
        "temperature": _number(fields.get("temperature")) or 0.0,
        "variable_mapping": mapping,
    }
    if template == CUSTOM:
        config["prompt"] = fields.get("prompt", "")
    else:
        config["template"] = template
    kind = fields.get("output_type") or ""
    if kind:
        config["output"] = {
            "type": kind,
            "min": _number(fields.get("min")) or 0.0,
            "max": _number(fields.get("max")) if _blank(fields.get("max")) else 1.0,
            "categories": [c.strip() for c in fields.get("categories", "").split(",") if c.strip()],
        }
    return config


def _code(fields: dict[str, str]) -> dict[str, Any]:
    return {
        "kind": "code",
        "rule": fields.get("rule", ""),
        "field": _blank(fields.get("field")) or "output",
        "pattern": _blank(fields.get("pattern")),
        "value": _blank(fields.get("value")),
        "case_sensitive": fields.get("case_sensitive") == "on",
        "min": _number(fields.get("min")),
        "max": _number(fields.get("max")),
    }


def config_of(fields: dict[str, str]) -> dict[str, Any]:
    """The config the form describes (not yet checked)."""
    kind = fields.get("kind") or "llm_judge"
    if kind == "code":
        return _code(fields)
    if kind == "human":
        return {"kind": "human", "queue": fields.get("queue", "")}
    return _judge(fields)


def problems(error: ValidationError) -> str:
    """A validation error as one sentence for the form."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'] if p not in ('config', 'llm_judge', 'code', 'human'))}"
        f": {e['msg'].removeprefix('Value error, ')}".lstrip(": ")
        for e in error.errors()
    )


def checked_new(fields: dict[str, str]) -> EvaluatorIn:
    body = {
        "name": fields.get("name", "").strip(),
        "description": _blank(fields.get("description")),
        "config": config_of(fields),
    }
    return EvaluatorIn.model_validate(body)


def checked_patch(fields: dict[str, str]) -> EvaluatorPatch:
    body = {"description": _blank(fields.get("description")), "config": config_of(fields)}
    return EvaluatorPatch.model_validate(body)


def fields_of(evaluator: dict[str, Any]) -> dict[str, str]:
    """Form fields showing a stored evaluator."""
    config = evaluator["config"]
    out: dict[str, Any] = {
        "name": evaluator["name"],
        "description": evaluator.get("description") or "",
        "kind": config["kind"],
    }
    for key in ("provider", "model", "rule", "field", "pattern", "value", "queue", "prompt"):
        if config.get(key) is not None:
            out[key] = str(config[key])
    for key in ("min", "max", "temperature"):
        if config.get(key) is not None:
            out[key] = f"{config[key]:g}"
    out["case_sensitive"] = "on" if config.get("case_sensitive", True) else ""
    out["template"] = config.get("template") or CUSTOM
    output = config.get("output") or {}
    if output:
        out.update(output_type=output["type"], categories=", ".join(output["categories"]))
        out.update(min=f"{output['min']:g}", max=f"{output['max']:g}")
    for name, path in (config.get("variable_mapping") or {}).items():
        out[f"var.{name}"] = path
    return out


def template_fields(name: str) -> dict[str, str]:
    """A new judge from a built-in template: its prompt's variables mapped by default."""
    out = {"kind": "llm_judge", "template": name, "name": name}
    for var, path in BUILTINS[name].mapping.items():
        out[f"var.{var}"] = path
    return out


def variables(fields: dict[str, str]) -> list[dict[str, str]]:
    """The judge prompt's variables, each with the field path it reads (the template's
    default unless the form maps it)."""
    template = BUILTINS.get(fields.get("template") or "")
    prompt = template.prompt if template else fields.get("prompt", "")
    defaults = template.mapping if template else {}
    return [
        {"name": name, "path": fields.get(f"var.{name}") or defaults.get(name, name)}
        for name in placeholders(prompt)
    ]
