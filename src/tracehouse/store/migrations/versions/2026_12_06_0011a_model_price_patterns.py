"""model price patterns: stored custom-price patterns that RE2 refuses (backreferences,
lookarounds, too large) or longer than 500 characters now match their model name literally

Prices are matched with RE2 from this version on (linear time). A pattern it refuses could not
be applied any more; rather than fail the upgrade or drop the price, the price keeps pricing the
model it is named for. Each rewrite is logged with the old pattern. Not undone by a downgrade.

Revision ID: 0011a
Revises: 0010t
Create Date: 2026-12-06 18:00:00
"""

import logging
import re
from collections.abc import Sequence

import re2
import sqlalchemy as sa
from alembic import op

revision: str = "0011a"
down_revision: str | None = "0010t"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_LENGTH = 500
log = logging.getLogger("alembic.runtime.migration")


def _usable(pattern: str) -> bool:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    try:
        re2.compile(pattern, options)
    except re2.error:
        return False
    return len(pattern) <= MAX_LENGTH


def upgrade() -> None:
    conn = op.get_bind()
    prices = sa.table(
        "model_prices",
        sa.column("price_rowid", sa.Integer),
        sa.column("id", sa.String),
        sa.column("model_name", sa.String),
        sa.column("match_pattern", sa.String),
    )
    rows = conn.execute(sa.select(prices)).all()
    for row in rows:
        if _usable(row.match_pattern):
            continue
        literal = re.escape(row.model_name)
        log.warning(
            "model price %s: pattern %r is refused by RE2 or too long; it now matches the model "
            "name %r literally",
            row.id,
            row.match_pattern,
            row.model_name,
        )
        conn.execute(
            prices.update()
            .where(prices.c.price_rowid == row.price_rowid)
            .values(match_pattern=literal)
        )


def downgrade() -> None:
    pass  # the rewritten patterns were refused: nothing to restore them to
