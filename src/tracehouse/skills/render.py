"""Skills as the native API shows them (snake_case)."""

from __future__ import annotations

from typing import Any

from tracehouse import jsontext
from tracehouse.clock import iso
from tracehouse.skills.service import SkillVersion


def version(found: SkillVersion) -> dict[str, Any]:
    skill, row = found.skill, found.version
    return {
        "id": skill["id"],
        "name": skill["name"],
        "scope": skill["scope"],
        "tags": jsontext.loads(skill["tags"]) or [],
        "version": row["version"],
        "latest_version": skill["last_version"],
        "labels": found.labels,
        "description": row["description"],
        "body": row["body"],
        "metadata": jsontext.loads(row["metadata"]) or {},
        "files": jsontext.loads(row["files"]) or {},
        "commit_message": row["commit_message"],
        "author": row["author"],
        "created_at": iso(skill["created_at"]),
        "updated_at": iso(skill["updated_at"]),
        "version_created_at": iso(row["created_at"]),
    }
