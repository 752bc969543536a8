"""OTLP metric data points kept beside the traces: the GenAI client metrics."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from tracehouse.store.tables.base import RowId, metadata

# One row per data point as exported; `point_id` (a hash of name, series attributes, service
# and times) makes a retried export replace its rows instead of adding them again. Cumulative
# points repeat their series' running totals at each export: `temporality` says which.
metric_points = Table(
    "metric_points",
    metadata,
    Column("metric_point_rowid", RowId, primary_key=True, autoincrement=True),
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), nullable=False
    ),
    Column("point_id", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("unit", String(50)),
    Column("kind", String(24), nullable=False),
    Column("temporality", String(12)),
    Column("start_time", BigInteger),
    Column("time", BigInteger, nullable=False),
    Column("service_name", String(200)),
    Column("attributes", Text),
    Column("value", Float),
    Column("value_count", BigInteger),
    Column("value_sum", Float),
    Column("value_min", Float),
    Column("value_max", Float),
    Column("bucket_counts", Text),
    Column("explicit_bounds", Text),
    Column("is_test", Boolean, nullable=False, server_default=false()),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("project_rowid", "point_id"),
    Index(None, "project_rowid", "name", "time"),
    Index(None, "project_rowid", "time"),
    Index(
        "ix_metric_points_test_created_at",
        "created_at",
        sqlite_where=text("is_test = 1"),
        postgresql_where=text("is_test"),
    ),
)
