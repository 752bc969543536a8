"""Prompts as the native API shows them (snake_case)."""

from __future__ import annotations

from typing import Any

from tracehouse import jsontext
from tracehouse.clock import iso
from tracehouse.prompts.service import PromptSummary, PromptVersion


def version(found: PromptVersion) -> dict[str, Any]:
    prompt, row = found.prompt, found.version
    return {
        "id": row["id"],
        "name": prompt["name"],
        "type": prompt["type"],
        "version": row["version"],
        "prompt": found.text,
        "config": jsontext.loads(row["config"]),
        "labels": found.labels,
        "tags": jsontext.loads(prompt["tags"]) or [],
        "commit_message": row["commit_message"],
        "author": row["author"],
        "created_at": iso(row["created_at"]),
    }


def summary(item: PromptSummary) -> dict[str, Any]:
    prompt = item.prompt
    return {
        "id": prompt["id"],
        "name": prompt["name"],
        "type": prompt["type"],
        "versions": item.versions,
        "latest_version": prompt["last_version"],
        "labels": sorted({label for names in item.labels.values() for label in names}),
        "labels_by_version": {str(v): names for v, names in sorted(item.labels.items())},
        "tags": jsontext.loads(prompt["tags"]) or [],
        "last_config": item.last_config,
        "created_at": iso(prompt["created_at"]),
        "updated_at": iso(prompt["updated_at"]),
    }
