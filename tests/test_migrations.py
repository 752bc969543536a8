"""Every migration runs up and down, on SQLite and PostgreSQL, and matches the table models."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from tests.conftest import PG_ADMIN_URL

from tracehouse.config import Settings
from tracehouse.store.migrate import downgrade, upgrade
from tracehouse.store.tables import metadata
from tracehouse.store.tables.search import UNMODELLED


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_settings(request: pytest.FixtureRequest, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path)
        return
    name = f"tracehouse_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield Settings(database_url=PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_up_down_up_matches_models(fresh_settings: Settings) -> None:
    upgrade(fresh_settings)
    engine = create_engine(fresh_settings.resolved_database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _modelled})
        diff = compare_metadata(context, metadata)
    assert diff == [], diff
    downgrade(fresh_settings, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    upgrade(fresh_settings)
    with engine.connect() as conn:
        assert "traces" in inspect(conn).get_table_names()
    engine.dispose()


def _modelled(name: str | None, _type: str, _parents: object) -> bool:
    """Whether the schema comparison covers this object: not the search index's keyword index
    (an FTS5 virtual table and its shadow tables on SQLite, a GIN expression index on
    PostgreSQL), which the table models cannot describe."""
    return name not in UNMODELLED


def test_trace_model_calls_are_filled_from_stored_observations(fresh_settings: Settings) -> None:
    """0009c rolls up `retried` and `model_calls` of the traces stored before it; 0010t
    copies `model_calls` into `trace_model_calls`, a row per model."""
    settings = fresh_settings
    upgrade(settings, "0008r")
    engine = create_engine(settings.resolved_database_url)
    _org_and_project(engine)  # as the schema of 0008r holds them
    trace = (
        "INSERT INTO traces (project_rowid, id, status, start_time, observation_count, "
        "error_count, created_at, updated_at) VALUES (:p, :id, :status, 0, :n, :errors, 0, 0)"
    )
    step = (
        "INSERT INTO observations (project_rowid, id, trace_id, type, name, level, start_time, "
        "end_time, model, input_tokens, output_tokens, total_tokens, computed_total_cost, "
        "created_at, updated_at) VALUES (:p, :id, :trace, 'generation', :name, :level, :start, "
        ":end, :model, :i, :o, :t, :cost, 0, 0)"
    )
    with engine.begin() as conn:
        p = conn.execute(text("SELECT project_rowid FROM projects")).scalar_one()
        conn.execute(
            text(trace),
            [
                {"p": p, "id": "a", "status": "error", "n": 3, "errors": 1},
                {"p": p, "id": "b", "status": "ok", "n": 0, "errors": 0},
            ],
        )
        conn.execute(
            text(step),
            [
                {
                    "p": p,
                    "id": "a1",
                    "trace": "a",
                    "name": "llm",
                    "level": "ERROR",
                    "start": 10,
                    "end": 2010,
                    "model": "gpt-4o",
                    "i": 10,
                    "o": 5,
                    "t": 15,
                    "cost": 0.5,
                },
                {
                    "p": p,
                    "id": "a2",
                    "trace": "a",
                    "name": "llm",
                    "level": "DEFAULT",
                    "start": 20,
                    "end": 1020,
                    "model": "gpt-4o",
                    "i": 20,
                    "o": 5,
                    "t": 25,
                    "cost": 0.25,
                },
                {
                    "p": p,
                    "id": "a3",
                    "trace": "a",
                    "name": "tool",
                    "level": "DEFAULT",
                    "start": 30,
                    "end": None,
                    "model": None,
                    "i": None,
                    "o": None,
                    "t": None,
                    "cost": None,
                },
            ],
        )
    upgrade(settings)
    copied = (
        "SELECT t.id, c.model, c.calls, c.failed_calls, c.input_tokens, c.output_tokens, "
        "c.total_tokens, c.cost, c.duration_sum, c.duration_count "
        "FROM trace_model_calls c JOIN traces t ON t.trace_rowid = c.trace_rowid"
    )
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, retried, model_calls FROM traces ORDER BY id")).all()
        calls = [tuple(row) for row in conn.execute(text(copied))]
    engine.dispose()
    assert [(r.id, bool(r.retried)) for r in rows] == [("a", True), ("b", False)]
    assert json.loads(rows[0].model_calls) == {"gpt-4o": [2, 1, 30, 10, 40, 0.75, 3.0, 2]}
    assert rows[1].model_calls is None
    assert calls == [("a", "gpt-4o", 2, 1, 30, 10, 40, 0.75, 3.0, 2)]


def test_stored_price_patterns_re2_refuses_match_their_model_literally(
    fresh_settings: Settings,
) -> None:
    """0011a: patterns saved before RE2 (a backreference, a lookahead) now match their model
    name literally; the others are kept as they were."""
    settings = fresh_settings
    upgrade(settings, "0010t")
    engine = create_engine(settings.resolved_database_url)
    _org_and_project(engine)
    price = (
        "INSERT INTO model_prices (project_rowid, id, model_name, match_pattern, created_at) "
        "VALUES (:p, :id, :name, :pattern, 0)"
    )
    with engine.begin() as conn:
        p = conn.execute(text("SELECT project_rowid FROM projects")).scalar_one()
        conn.execute(
            text(price),
            [
                {"p": p, "id": "kept", "name": "acme", "pattern": "acme(-.*)?"},
                {"p": p, "id": "backref", "name": "gpt-4o", "pattern": r"(gpt)-\1"},
                {"p": p, "id": "lookahead", "name": "m.1", "pattern": "m(?=.1).*"},
            ],
        )
    upgrade(settings)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, match_pattern FROM model_prices ORDER BY id"))
        patterns = dict(rows.all())
    engine.dispose()
    assert patterns == {"kept": "acme(-.*)?", "backref": r"gpt\-4o", "lookahead": r"m\.1"}


def _org_and_project(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organizations (id, name, created_at) VALUES ('o', 'Acme', 0)")
        )
        conn.execute(
            text(
                "INSERT INTO projects (id, org_rowid, name, plan, created_at) "
                "SELECT 'p', org_rowid, 'main', 'enterprise', 0 FROM organizations"
            )
        )


def test_keys_whose_prefix_is_the_whole_secret_keep_a_quarter(fresh_settings: Settings) -> None:
    """0011d: a short init secret was stored whole as the key's "prefix"."""
    upgrade(fresh_settings, "0010t")
    engine = create_engine(fresh_settings.resolved_database_url)
    _org_and_project(engine)
    key = (
        "INSERT INTO api_keys (id, org_rowid, project_rowid, public_key, secret_hash, "
        "secret_prefix, environment, access, created_at) SELECT :id, org_rowid, project_rowid, "
        ":public, :hash, :prefix, 'live', 'write', 0 FROM projects"
    )
    generated = "sk-th-live-" + "a" * 43
    with engine.begin() as conn:
        for n, (secret, prefix) in enumerate(
            [("sk-short", "sk-short"), (generated, generated[:12])]
        ):
            digest = hashlib.sha256(secret.encode()).hexdigest()
            conn.execute(
                text(key), {"id": f"k{n}", "public": f"pk{n}", "hash": digest, "prefix": prefix}
            )
    upgrade(fresh_settings)
    with engine.connect() as conn:
        prefixes = conn.execute(text("SELECT secret_prefix FROM api_keys ORDER BY id")).scalars()
        assert list(prefixes) == ["sk", generated[:12]]
    engine.dispose()


def test_run_status_is_recomputed_for_stored_traces(fresh_settings: Settings) -> None:
    """0011e: a stored trace failed only by an error below its top level becomes `warning`
    (the run went on); one whose top-level observation failed, or that reported `error`, stays
    `error`; the roll-up day of a trace that changed is marked for a rebuild."""
    settings = fresh_settings
    upgrade(settings, "0010t")
    engine = create_engine(settings.resolved_database_url)
    _org_and_project(engine)
    day = 86_400_000_000
    trace = (
        "INSERT INTO traces (project_rowid, id, status, reported_status, start_time, "
        "observation_count, error_count, created_at, updated_at) "
        "VALUES (:p, :id, 'error', :reported, :start, 2, 1, 0, 0)"
    )
    step = (
        "INSERT INTO observations (project_rowid, id, trace_id, parent_id, type, level, "
        "start_time, created_at, updated_at) VALUES (:p, :id, :trace, :parent, 'span', :level, "
        ":start, 0, 0)"
    )
    with engine.begin() as conn:
        p = conn.execute(text("SELECT project_rowid FROM projects")).scalar_one()
        conn.execute(
            text(trace),
            [
                {"p": p, "id": "root-failed", "reported": None, "start": 3 * day + 5},
                {"p": p, "id": "step-failed", "reported": None, "start": 7 * day + 5},
                {"p": p, "id": "reported", "reported": "error", "start": 9 * day + 5},
            ],
        )
        rows = [
            ("root-failed", "r1", None, "ERROR"),
            ("root-failed", "r2", "r1", "ERROR"),
            ("step-failed", "s1", None, "DEFAULT"),
            ("step-failed", "s2", "s1", "ERROR"),
        ]
        conn.execute(
            text(step),
            [
                {"p": p, "id": i, "trace": t, "parent": parent, "level": level, "start": 0}
                for t, i, parent, level in rows
            ],
        )
    upgrade(settings)
    with engine.connect() as conn:
        statuses = dict(conn.execute(text("SELECT id, status FROM traces")).all())
        dirty = conn.execute(text("SELECT day FROM analytics_dirty_days")).scalars().all()
        built = conn.execute(text("SELECT day FROM analytics_rollup_days")).scalars().all()
    engine.dispose()
    assert statuses == {"root-failed": "error", "step-failed": "warning", "reported": "error"}
    assert dirty == [7 * day] and built == [7 * day]
