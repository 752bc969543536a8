"""SQL for saved views."""

from __future__ import annotations

from tracehouse.store.named import NamedTable
from tracehouse.store.tables import saved_views

VIEWS = NamedTable(saved_views, "saved_view_rowid")
