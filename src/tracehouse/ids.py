"""Public identifiers for rows the server creates."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """A new random id (UUID4, hex with dashes), as Langfuse and OTel-less clients expect."""
    return str(uuid.uuid4())
