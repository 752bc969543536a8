"""Media bytes on disk, one file per content (named by its SHA-256 in hex), whichever project
sent them; directories are 0700 and files 0600."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tracehouse.media.storage import Stored


class MediaFiles:
    """Files under `root`, fanned out by the first two hex digits of their hash."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, sha256_hex: str) -> Path:
        return self.root / sha256_hex[:2] / sha256_hex

    def write(self, sha256_hex: str, content: bytes) -> None:
        """Store `content` (already checked against its hash) unless it is there already."""
        target = self.path(sha256_hex)
        if target.exists():
            return
        for folder in (self.root, target.parent):
            folder.mkdir(mode=0o700, exist_ok=True, parents=folder is self.root)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")  # 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)  # readers never see a partial file
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def exists(self, sha256_hex: str) -> bool:
        return self.path(sha256_hex).is_file()

    def open(self, sha256_hex: str) -> Stored | None:
        path = self.path(sha256_hex)
        try:
            return Stored(size=path.stat().st_size, path=path)
        except FileNotFoundError:
            return None
