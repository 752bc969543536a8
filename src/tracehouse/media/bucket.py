"""Media bytes in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, …): one private object
per content, keyed by its SHA-256 in hex under a prefix. Credentials come from the standard
AWS chain (environment, profile, instance or task role): Tracehouse neither keeps nor logs them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from tracehouse.config import Settings
from tracehouse.media.storage import Stored

_CHUNK_BYTES = 256 * 1024
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


class MediaBucket:
    """Objects `<prefix>/<sha256 hex>` in `bucket`, through a boto3 S3 client (thread-safe)."""

    def __init__(self, client: Any, bucket: str, prefix: str | None = None):
        self.client = client
        self.bucket = bucket
        folder = (prefix or "").strip("/")
        self.prefix = f"{folder}/" if folder else ""

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaBucket:
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.media_s3_endpoint_url,
            region_name=settings.media_s3_region,
            config=Config(retries={"mode": "standard"}),
        )
        return cls(client, str(settings.media_s3_bucket), settings.media_s3_prefix)

    def key(self, sha256_hex: str) -> str:
        return self.prefix + sha256_hex

    def write(self, sha256_hex: str, content: bytes) -> None:
        """Put `content` (already checked against its hash) unless the object is there already."""
        if not self.exists(sha256_hex):
            self.client.put_object(Bucket=self.bucket, Key=self.key(sha256_hex), Body=content)

    def exists(self, sha256_hex: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256_hex))
        except ClientError as error:
            if _missing(error):
                return False
            raise
        return True

    def open(self, sha256_hex: str) -> Stored | None:
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256_hex))
        except ClientError as error:
            if _missing(error):
                return None
            raise
        return Stored(size=found["ContentLength"], chunks=_chunks(found["Body"]))


def _missing(error: ClientError) -> bool:
    """The object is not there (GET says `NoSuchKey`, HEAD a bare 404)."""
    return error.response.get("Error", {}).get("Code") in _MISSING


def _chunks(body: Any) -> Iterator[bytes]:
    """The object's bytes as they arrive; its connection goes back to the pool at the end, or
    when the client stops reading."""
    try:
        yield from body.iter_chunks(_CHUNK_BYTES)
    finally:
        body.close()
