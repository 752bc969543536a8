"""A Langfuse dataset item's `mediaReferences`: each string in its input, expected output or
metadata that is a media reference to media the project has uploaded, with the JSONPath to it
(jsonpath-plus' normalized form, `$['gallery'][0]`, which the SDK parses) and the media record
with a signed download URL, so the SDK's `get_dataset` hands back `LangfuseMediaReference`s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tracehouse.http.auth import ProjectScope
from tracehouse.media import service
from tracehouse.media.content_types import MEDIA_REFERENCE
from tracehouse.runtime import Runtime

#: The item fields searched, by their name in the API (and in `mediaReferences[].field`).
FIELDS = ("input", "expectedOutput", "metadata")
#: How deep a value is searched for references.
_DEPTH = 20
_MEDIA_KEYS = ("mediaId", "contentType", "contentLength", "url", "urlExpiry")


def found_in(value: Any, path: str = "$", depth: int = 0) -> Iterator[tuple[str, str, str]]:
    """`(jsonPath, referenceString, mediaId)` for each string in `value` that is a reference."""
    if isinstance(value, str):
        match = MEDIA_REFERENCE.fullmatch(value)
        if match:
            yield path, value, match[2]
    elif isinstance(value, list) and depth < _DEPTH:
        for index, child in enumerate(value):
            yield from found_in(child, f"{path}[{index}]", depth + 1)
    elif isinstance(value, dict) and depth < _DEPTH:
        for key, child in value.items():
            if _addressable(key):
                yield from found_in(child, f"{path}['{key}']", depth + 1)


def _addressable(key: Any) -> bool:
    """Whether the SDK can follow a key in a path: jsonpath-plus writes all-digit keys as list
    indices and does not escape `']`."""
    return isinstance(key, str) and not key.isdigit() and "']" not in key


def attach(rt: Runtime, scope: ProjectScope, base_url: str, items: list[dict[str, Any]]) -> None:
    """Fill each rendered item's `mediaReferences`, looking all media up at once."""
    found = [[(field, *ref) for field in FIELDS for ref in found_in(i[field])] for i in items]
    wanted = sorted({ref[3] for refs in found for ref in refs})
    media = service.describe_many(rt, scope, wanted, base_url)
    for rendered, refs in zip(items, found, strict=True):
        rendered["mediaReferences"] = [
            {
                "field": field,
                "referenceString": reference,
                "jsonPath": path,
                "media": {key: media[media_id][key] for key in _MEDIA_KEYS},
            }
            for field, path, reference, media_id in refs
            if media_id in media
        ]
