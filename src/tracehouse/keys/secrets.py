"""API key material: generation and hashing. Secrets are stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets


def new_key_pair(environment: str) -> tuple[str, str]:
    """A fresh (public key, secret key); the environment is visible in both."""
    tag = "test" if environment == "test" else "live"
    return f"pk-th-{tag}-{secrets.token_hex(8)}", f"sk-th-{tag}-{secrets.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    """The stored form of a secret. Secrets are long and random, so a fast hash suffices."""
    return hashlib.sha256(secret.encode()).hexdigest()


#: Shortest secret a key may be given (`TRACEHOUSE_INIT_SECRET_KEY`); generated ones are 54.
MIN_SECRET_LENGTH = 32


def display_prefix(secret: str) -> str:
    """The first characters of a secret, shown in key lists to tell keys apart: at most 12 and
    at most a quarter of it (of a generated key, `sk-th-live-` and one random character)."""
    return secret[: min(12, len(secret) // 4)]
