"""metric points: OTLP metric data points (the GenAI client metrics) beside the traces; run
status: a trace is `error` only when the run failed (it says so, or a top-level observation is
at ERROR), errors below the top level make it `warning` — stored traces recomputed, the
roll-up days of those that change marked for a rebuild

Revision ID: 0011e
Revises: 0011g
Create Date: 2026-12-06 18:00:00
"""

import random
import time
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011e"
down_revision: str | None = "0011g"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "metric_points",
        sa.Column(
            "metric_point_rowid",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "project_rowid", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("point_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(50)),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("temporality", sa.String(12)),
        sa.Column("start_time", sa.BigInteger()),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.Column("service_name", sa.String(200)),
        sa.Column("attributes", sa.Text()),
        sa.Column("value", sa.Float()),
        sa.Column("value_count", sa.BigInteger()),
        sa.Column("value_sum", sa.Float()),
        sa.Column("value_min", sa.Float()),
        sa.Column("value_max", sa.Float()),
        sa.Column("bucket_counts", sa.Text()),
        sa.Column("explicit_bounds", sa.Text()),
        sa.Column("is_test", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_rowid"],
            ["projects.project_rowid"],
            name="fk_metric_points_project_rowid_projects",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("metric_point_rowid", name="pk_metric_points"),
        sa.UniqueConstraint(
            "project_rowid", "point_id", name="uq_metric_points_project_rowid_point_id"
        ),
    )
    op.create_index(
        "ix_metric_points_project_rowid_name_time",
        "metric_points",
        ["project_rowid", "name", "time"],
    )
    op.create_index(
        "ix_metric_points_project_rowid_time", "metric_points", ["project_rowid", "time"]
    )
    op.create_index(
        "ix_metric_points_test_created_at",
        "metric_points",
        ["created_at"],
        sqlite_where=sa.text("is_test = 1"),
        postgresql_where=sa.text("is_test"),
    )

    _recompute_status(op.get_bind())


_DAY_US = 86_400_000_000
#: Failed by the old rule (an ERROR anywhere) but not by the new one.
_ONLY_STEP_ERRORS = """
    FROM traces t
    WHERE t.status = 'error'
      AND (t.reported_status IS NULL OR t.reported_status <> 'error')
      AND NOT EXISTS (
          SELECT 1 FROM observations o
          WHERE o.project_rowid = t.project_rowid AND o.trace_id = t.id
            AND o.parent_id IS NULL AND o.level = 'ERROR')
"""


def _recompute_status(conn: sa.Connection) -> None:
    """Traces failed only by errors in their steps become `warning`; the analytics roll-ups of
    their days are marked dirty (`analytics_dirty_days`), so the refresher rebuilds them."""
    days = conn.execute(
        sa.text(
            f"SELECT DISTINCT t.project_rowid, t.start_time - t.start_time % {_DAY_US} "
            + _ONLY_STEP_ERRORS
        )
    ).fetchall()
    if not days:
        return
    conn.execute(
        sa.text(
            "UPDATE traces SET status = 'warning' WHERE trace_rowid IN (SELECT t.trace_rowid "
            + _ONLY_STEP_ERRORS
            + ")"
        )
    )
    now = int(time.time() * 1_000_000)
    for project_rowid, day in days:
        _mark_dirty(conn, int(project_rowid), int(day), now)


def _mark_dirty(conn: sa.Connection, project_rowid: int, day: int, now: int) -> None:
    key = {"p": project_rowid, "d": day}
    conn.execute(
        sa.text("DELETE FROM analytics_dirty_days WHERE project_rowid = :p AND day = :d"), key
    )
    conn.execute(
        sa.text(
            "INSERT INTO analytics_dirty_days (project_rowid, day, version) VALUES (:p, :d, :v)"
        ),
        {**key, "v": random.getrandbits(62)},
    )
    built = sa.text("SELECT 1 FROM analytics_rollup_days WHERE project_rowid = :p AND day = :d")
    if conn.execute(built, key).first() is None:
        conn.execute(
            sa.text(
                "INSERT INTO analytics_rollup_days (project_rowid, day, built_at) "
                "VALUES (:p, :d, :n)"
            ),
            {**key, "n": now},
        )


def downgrade() -> None:
    op.drop_table("metric_points")  # statuses stay as recomputed: both rules read them
