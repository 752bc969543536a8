"""trace model calls table: the figures of each model's calls in a trace, one row per model
(`traces.model_calls` as rows), filled from the stored traces

Revision ID: 0010t
Revises: 0009c
Create Date: 2026-11-27 14:00:00
"""

from collections.abc import Sequence

import orjson
import sqlalchemy as sa
from alembic import op

revision: str = "0010t"
down_revision: str | None = "0009c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURES = (
    "calls",
    "failed_calls",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost",
    "duration_sum",
    "duration_count",
)
KINDS = (int, int, int, int, int, float, float, int)


def upgrade() -> None:
    real = {"cost", "duration_sum"}
    op.create_table(
        "trace_model_calls",
        sa.Column(
            "trace_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("model", sa.String(200), nullable=False),
        *(
            sa.Column(name, sa.Float() if name in real else sa.BigInteger(), nullable=False)
            for name in FIGURES
        ),
        sa.ForeignKeyConstraint(
            ["trace_rowid"],
            ["traces.trace_rowid"],
            name="fk_trace_model_calls_trace_rowid_traces",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trace_rowid", "model", name="pk_trace_model_calls"),
        sqlite_with_rowid=False,
    )
    _fill(op.get_bind())


def _fill(conn: sa.Connection) -> None:
    """One row per model of every stored trace's `model_calls`, in batches."""
    columns = ", ".join(("trace_rowid", "model", *FIGURES))
    values = ", ".join(f":{name}" for name in ("trace_rowid", "model", *FIGURES))
    insert = sa.text(f"INSERT INTO trace_model_calls ({columns}) VALUES ({values})")
    stored = "SELECT trace_rowid, model_calls FROM traces WHERE model_calls IS NOT NULL"
    pending: list[dict[str, object]] = []
    for trace_rowid, text in conn.exec_driver_sql(stored).fetchall():
        for model, figures in orjson.loads(text).items():
            row = {n: kind(v) for n, kind, v in zip(FIGURES, KINDS, figures, strict=True)}
            pending.append({"trace_rowid": trace_rowid, "model": model, **row})
        if len(pending) >= 5000:
            conn.execute(insert, pending)
            pending = []
    if pending:
        conn.execute(insert, pending)


def downgrade() -> None:
    op.drop_table("trace_model_calls")
