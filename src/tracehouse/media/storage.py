"""Where media bytes are kept: the interface both stores share (a local directory, an
S3-compatible bucket), what they hand back to send, and the one the settings choose."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tracehouse.config import Settings


@dataclass(frozen=True, slots=True)
class Stored:
    """Stored bytes to send: a local file (sent as a file), or else chunks read as they go."""

    size: int
    path: Path | None = None
    chunks: Iterator[bytes] | None = None


class MediaStorage(Protocol):
    """Bytes kept once per content, named by their SHA-256 in hex, whichever project sent them."""

    def write(self, sha256_hex: str, content: bytes) -> None:
        """Store `content` (already checked against its hash) unless it is there already."""

    def exists(self, sha256_hex: str) -> bool: ...

    def open(self, sha256_hex: str) -> Stored | None:
        """The stored bytes, ready to send; None when they are not there."""


def media_storage(settings: Settings) -> MediaStorage:
    """The bucket when `media_s3_bucket` is set, the media directory otherwise."""
    if settings.media_s3_bucket:
        try:
            from tracehouse.media.bucket import MediaBucket
        except ImportError as missing:  # boto3: the optional `s3` extra
            raise RuntimeError(
                "TRACEHOUSE_MEDIA_S3_BUCKET needs boto3: pip install 'tracehouse[s3]'"
            ) from missing
        return MediaBucket.from_settings(settings)
    from tracehouse.media.files import MediaFiles

    return MediaFiles(settings.resolved_media_dir)
