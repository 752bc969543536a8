"""The server's encryption key: Fernet, derived from `TRACEHOUSE_SECRET_KEY`, else from the
file `TRACEHOUSE_SECRET_KEY_FILE` names, else from a random secret generated once and kept in the
data directory (SQLite) or in the `server_settings` table (PostgreSQL, shared by every server
process)."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from tracehouse.clock import now_us
from tracehouse.config import Settings
from tracehouse.errors import TracehouseError
from tracehouse.store.tables import server_settings

SECRET_FILE = "secret_key"
_SETTING = "secret_key"
_CONTEXT = b"tracehouse/provider-credentials/v1"


class UndecryptableKey(TracehouseError):
    """A stored key the current server secret cannot decrypt (the secret changed)."""

    code = "invalid_request"
    status = 400


def _file_secret(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    value = path.read_text().strip()
    if not value:
        raise ValueError(f"{path} is empty: it should hold the server secret")
    return value


def _table_secret(engine: Engine) -> str:
    query = select(server_settings.c.value).where(server_settings.c.name == _SETTING)
    with engine.begin() as conn:
        value = conn.execute(query).scalar()
        if value is None:  # several processes may race here: the first insert wins
            candidate = secrets.token_urlsafe(48)
            conn.execute(
                pg_insert(server_settings)
                .values(name=_SETTING, value=candidate, created_at=now_us())
                .on_conflict_do_nothing()
            )
            value = conn.execute(query).scalar_one()
    return str(value)


def server_secret(settings: Settings, engine: Engine) -> str:
    """The configured secret (variable, else file), else the generated one kept beside the
    database (created on first use)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    if settings.secret_key_file is not None:
        return _file_secret(settings.secret_key_file)
    if settings.is_sqlite:
        return _file_secret(settings.data_dir / SECRET_FILE)
    return _table_secret(engine)


def beside_database(settings: Settings) -> str | None:
    """Where the secret is kept when a copy of the data directory or database holds it too
    (None when it is kept apart)."""
    if settings.secret_key is not None:
        return None
    if settings.secret_key_file is not None:
        path, data_dir = settings.secret_key_file.resolve(), settings.data_dir.resolve()
        inside = settings.is_sqlite and path.is_relative_to(data_dir)
        return str(settings.secret_key_file) if inside else None
    if settings.is_sqlite:
        return str(settings.data_dir / SECRET_FILE)
    return "the server_settings table of the database"


def fernet(secret: str) -> Fernet:
    """A Fernet keyed by SHA-256 over a fixed context and the secret."""
    digest = hashlib.sha256(_CONTEXT + b"\0" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(secret: str, plaintext: str) -> str:
    return fernet(secret).encrypt(plaintext.encode()).decode()


def decrypt(secret: str, token: str) -> str:
    try:
        return fernet(secret).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise UndecryptableKey(
            "The stored API key cannot be decrypted with the server's current secret key; "
            "store the credential again."
        ) from exc


def hint(api_key: str) -> str:
    """What the API shows of a key: its last four characters."""
    return "…" + api_key[-4:] if len(api_key) >= 8 else "…"
