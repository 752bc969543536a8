"""Names that travel as URL paths (prompt and dataset names, with `/` for folders)."""

from __future__ import annotations

from tracehouse.errors import ValidationFailed


def check_path_name(name: str, reserved: frozenset[str]) -> None:
    """A name is `/`-separated segments, none empty, and none after the first in `reserved`
    (the words routes put after a name, e.g. `/versions`: such a folder could not be reached)."""
    segments = name.split("/")
    if any(not part.strip() for part in segments) or any(p in reserved for p in segments[1:]):
        raise ValidationFailed(
            f"Invalid name {name!r}: no empty segments, and no {', '.join(sorted(reserved))} "
            "after a `/`.",
            [{"field": "name", "message": "invalid name"}],
        )
