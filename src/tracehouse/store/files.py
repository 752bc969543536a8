"""The local files of an installation kept private: the data directory (0700) and the SQLite
database with its journal files (0600), created so and tightened when found readable by others.

SQLite gives the `-wal` and `-shm` files it creates the permissions of the database file, so
creating that file private before the first connection keeps all of them private.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

from tracehouse.config import Settings

log = logging.getLogger(__name__)

_JOURNALS = ("", "-wal", "-shm", "-journal")


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) as 0700, or take group and other access away."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path)


def private_file(path: Path) -> None:
    """Create `path` empty as 0600 when missing, else take group and other access away."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _tighten(path)


def prepare_sqlite(settings: Settings) -> None:
    """The data directory and the SQLite database files, private, before the first connection."""
    private_dir(settings.data_dir)
    database = make_url(settings.resolved_database_url).database
    if not database or database == ":memory:":
        return
    path = Path(database)
    if not path.parent.exists():  # an existing folder elsewhere stays as its owner set it
        path.parent.mkdir(mode=0o700, parents=True)
    private_file(path)
    for suffix in _JOURNALS[1:]:
        journal = path.with_name(path.name + suffix)
        if journal.exists():
            _tighten(journal)


def _tighten(path: Path) -> None:
    current = stat.S_IMODE(path.stat().st_mode)
    if current & 0o077:
        os.chmod(path, current & 0o700)
        log.warning("%s was open to other users (%o): now %o", path, current, current & 0o700)
