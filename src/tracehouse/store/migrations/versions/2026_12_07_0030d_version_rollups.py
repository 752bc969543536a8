"""version roll-ups: per-day figures and scores of each commit, branch and release

Revision ID: 0013d
Revises: 0012o
Create Date: 2026-12-07 00:30:00

The new tables fill lazily: every day with traces naming a version is marked dirty
(`analytics_dirty_days`), so the refresher rebuilds it (all roll-ups of the day), and until
then a comparison reads the base tables.
"""

import random
import time
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013d"
down_revision: str | None = "0012o"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DAY_US = 86_400_000_000
_KEY = ("kind", "version")


def _table(name: str, *columns: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column(
            "project_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("day", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("version", sa.String(length=300), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name=op.f(f"fk_{name}_project_rowid_projects"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(op.f(f"ix_{name}_project_rowid_day"), name, ["project_rowid", "day"])
    op.create_index(f"ix_{name}_key", name, ["project_rowid", *_KEY])


def upgrade() -> None:
    _table(
        "analytics_daily_versions",
        sa.Column("traces", sa.BigInteger(), nullable=False),
        sa.Column("errors", sa.BigInteger(), nullable=False),
        sa.Column("latency_count", sa.BigInteger(), nullable=False),
        sa.Column("latency_sum", sa.Float(), nullable=False),
        sa.Column("tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("latency_hist", sa.Text(), nullable=False),
        sa.Column("tokens_hist", sa.Text(), nullable=False),
        sa.Column("cost_hist", sa.Text(), nullable=False),
    )
    _table(
        "analytics_daily_version_scores",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scores", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("squares", sa.Float(), nullable=False),
    )
    op.create_index("ix_traces_latency", "traces", ["project_rowid", "latency_ms"])
    op.create_index("ix_traces_tokens", "traces", ["project_rowid", "total_tokens"])
    op.create_index("ix_traces_cost", "traces", ["project_rowid", "cost"])
    op.create_index("ix_scores_values", "scores", ["project_rowid", "name", "value"])
    _mark_days(op.get_bind())


def _mark_days(conn: sa.Connection) -> None:
    """Mark for a rebuild the days of the traces that name a version (release or VCS)."""
    days = conn.execute(
        sa.text(
            f"SELECT DISTINCT project_rowid, start_time - start_time % {_DAY_US} FROM traces "
            "WHERE release IS NOT NULL OR metadata LIKE '%\"vcs.ref.head.%'"
        )
    ).fetchall()
    marked = sa.text("SELECT 1 FROM analytics_dirty_days WHERE project_rowid = :p AND day = :d")
    for project_rowid, day in days:
        key = {"p": int(project_rowid), "d": int(day)}
        if conn.execute(marked, key).first() is not None:
            continue
        conn.execute(
            sa.text(
                "INSERT INTO analytics_dirty_days (project_rowid, day, version) VALUES (:p, :d, :v)"
            ),
            {**key, "v": random.getrandbits(62)},
        )
        built = "SELECT 1 FROM analytics_rollup_days WHERE project_rowid = :p AND day = :d"
        if conn.execute(sa.text(built), key).first() is None:
            conn.execute(
                sa.text(
                    "INSERT INTO analytics_rollup_days (project_rowid, day, built_at) "
                    "VALUES (:p, :d, :n)"
                ),
                {**key, "n": int(time.time() * 1_000_000)},
            )


def downgrade() -> None:
    for index, table in (
        ("ix_scores_values", "scores"),
        ("ix_traces_cost", "traces"),
        ("ix_traces_tokens", "traces"),
        ("ix_traces_latency", "traces"),
    ):
        op.drop_index(index, table_name=table)
    for name in ("analytics_daily_version_scores", "analytics_daily_versions"):
        op.drop_index(f"ix_{name}_key", table_name=name)
        op.drop_index(op.f(f"ix_{name}_project_rowid_day"), table_name=name)
        op.drop_table(name)
