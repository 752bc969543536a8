"""trace model calls: `traces.retried` and `traces.model_calls` (the figures of each model's
calls), rolled up at ingestion, `retried` in the covering analytics index; the observations'
covering model-usage index goes

Revision ID: 0009c
Revises: 0008r
Create Date: 2026-11-27 11:00:00
"""

from collections.abc import Sequence

import orjson
import sqlalchemy as sa
from alembic import op

revision: str = "0009c"
down_revision: str | None = "0008r"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ANALYTICS = [
    "project_rowid",
    "start_time",
    "status",
    "latency_ms",
    "total_tokens",
    "cost",
    "environment",
    "user_id",
    "name",
    "observation_count",
]
MODEL_USAGE = [
    "project_rowid",
    "start_time",
    "model",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "reported_total_cost",
    "computed_total_cost",
    "end_time",
    "level",
]
# The steps of the traces with a failed one, trace by trace.
STEPS = """
SELECT o.project_rowid, o.trace_id, o.id, o.name, o.parent_id, o.start_time, o.level
FROM observations o JOIN traces t ON t.project_rowid = o.project_rowid AND t.id = o.trace_id
WHERE t.error_count > 0 ORDER BY o.project_rowid, o.trace_id
"""
KINDS = (int, int, int, int, int, float, float, int)  # of the figures CALLS selects
CALLS = """
SELECT project_rowid, trace_id, model, count(*),
       sum(CASE WHEN level = 'ERROR' THEN 1 ELSE 0 END),
       coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
       coalesce(sum(total_tokens), 0),
       coalesce(sum(coalesce(reported_total_cost, computed_total_cost)), 0.0),
       coalesce(sum((end_time - start_time) / 1000.0), 0.0), count(end_time)
FROM observations WHERE model IS NOT NULL
GROUP BY project_rowid, trace_id, model ORDER BY project_rowid, trace_id
"""


def upgrade() -> None:
    op.add_column(
        "traces", sa.Column("retried", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("traces", sa.Column("model_calls", sa.Text(), nullable=True))
    _fill_retried(op.get_bind())
    _fill_model_calls(op.get_bind())
    op.drop_index("ix_traces_analytics", table_name="traces")
    # `model_calls` stays out: its JSON grows with the models a trace calls, and PostgreSQL
    # refuses index rows over ~2.7 KB.
    op.create_index("ix_traces_analytics", "traces", [*ANALYTICS, "retried"])
    # Analytics no longer read model calls from the observations: one index fewer per call.
    op.drop_index("ix_observations_model_usage", table_name="observations")


def _fill_retried(conn: sa.Connection) -> None:
    """A trace retried when a named failed step is followed by one with its name and parent
    (decided in Python: a self-join here could be planned as a scan by time)."""
    steps: dict[tuple[int, str], list[tuple[object, ...]]] = {}
    for project_rowid, trace_id, *step in conn.exec_driver_sql(STEPS):
        steps.setdefault((project_rowid, trace_id), []).append(tuple(step))
    retried = [{"p": p, "t": t} for (p, t), rows in steps.items() if _repeats(rows)]
    if retried:
        update = "UPDATE traces SET retried = TRUE WHERE project_rowid = :p AND id = :t"
        conn.execute(sa.text(update), retried)


def _repeats(steps: list[tuple[object, ...]]) -> bool:
    failed = [s for s in steps if s[4] == "ERROR" and s[1] is not None]
    return any(
        o[0] != f[0] and o[1:3] == f[1:3] and o[3] >= f[3]  # type: ignore[operator]
        for f in failed
        for o in steps
    )


def _fill_model_calls(conn: sa.Connection) -> None:
    update = sa.text("UPDATE traces SET model_calls = :calls WHERE project_rowid = :p AND id = :t")
    pending: list[dict[str, object]] = []
    current: tuple[int, str] | None = None
    calls: dict[str, list[int | float]] = {}
    for project_rowid, trace_id, model, *figures in conn.exec_driver_sql(CALLS):
        if (project_rowid, trace_id) != current:
            if current is not None:
                pending.append(_row(current, calls))
            current, calls = (project_rowid, trace_id), {}
        calls[model] = [kind(v) for kind, v in zip(KINDS, figures, strict=True)]
        if len(pending) >= 5000:
            conn.execute(update, pending)
            pending = []
    if current is not None:
        pending.append(_row(current, calls))
    if pending:
        conn.execute(update, pending)


def _row(key: tuple[int, str], calls: dict[str, list[int | float]]) -> dict[str, object]:
    return {"p": key[0], "t": key[1], "calls": orjson.dumps(calls).decode()}


def downgrade() -> None:
    op.create_index(
        "ix_observations_model_usage",
        "observations",
        MODEL_USAGE,
        sqlite_where=sa.text("model IS NOT NULL"),
        postgresql_where=sa.text("model IS NOT NULL"),
    )
    op.drop_index("ix_traces_analytics", table_name="traces")
    op.create_index("ix_traces_analytics", "traces", ANALYTICS)
    with op.batch_alter_table("traces") as batch:
        batch.drop_column("model_calls")
        batch.drop_column("retried")
