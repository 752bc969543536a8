"""SQL for provider credentials."""

from __future__ import annotations

from tracehouse.store.named import NamedTable
from tracehouse.store.tables import provider_credentials

CREDENTIALS = NamedTable(provider_credentials, "credential_rowid")
