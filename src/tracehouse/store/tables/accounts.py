"""Organizations, users and their memberships, projects, API keys, and what is kept per
project to account for use (rate-limit buckets, failed logins, usage counters) and for the
server itself."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from tracehouse.store.tables.base import RowId, metadata

organizations = Table(
    "organizations",
    metadata,
    Column("org_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("user_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200)),
    Column("password_hash", String(300), nullable=False),
    Column("is_admin", Boolean, nullable=False, server_default=false()),
    Column("created_at", BigInteger, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column(
        "org_rowid", ForeignKey("organizations.org_rowid", ondelete="CASCADE"), primary_key=True
    ),
    Column("user_rowid", ForeignKey("users.user_rowid", ondelete="CASCADE"), primary_key=True),
    Column("role", String(20), nullable=False),
)

#: A person's role in one project (admin, member, viewer), over their organization role.
project_members = Table(
    "project_members",
    metadata,
    Column(
        "project_rowid",
        ForeignKey("projects.project_rowid", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("user_rowid", ForeignKey("users.user_rowid", ondelete="CASCADE"), primary_key=True),
    Column("role", String(20), nullable=False),
)

login_tokens = Table(
    "login_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_rowid", ForeignKey("users.user_rowid", ondelete="CASCADE"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

projects = Table(
    "projects",
    metadata,
    Column("project_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("org_rowid", ForeignKey("organizations.org_rowid", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("plan", String(20), nullable=False),
    Column("retention_days", Integer),
    Column("created_at", BigInteger, nullable=False),
    Column("description", Text),
    UniqueConstraint("org_rowid", "name"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_rowid", RowId, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("org_rowid", ForeignKey("organizations.org_rowid", ondelete="CASCADE"), nullable=False),
    # NULL: an org-scoped key, which names its project per request.
    Column("project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE")),
    Column("name", String(200)),
    Column("public_key", String(200), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("secret_prefix", String(16), nullable=False),
    Column("environment", String(10), nullable=False),
    Column("access", String(10), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_used_at", BigInteger),
    Column("revoked_at", BigInteger),
)

rate_limit_buckets = Table(
    "rate_limit_buckets",
    metadata,
    Column("bucket_key", String(100), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

#: Failed logins per account (`account:<e-mail>`) and per client address (`address:<ip>`),
#: shared by the server processes of a PostgreSQL deployment (SQLite keeps them in memory).
login_failures = Table(
    "login_failures",
    metadata,
    Column("throttle_key", String(300), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("failed_at", BigInteger, nullable=False),
)

usage_counters = Table(
    "usage_counters",
    metadata,
    Column(
        "project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE"), primary_key=True
    ),
    # Start of the UTC day, epoch microseconds.
    Column("day", BigInteger, primary_key=True),
    Column("api_requests", BigInteger, nullable=False, server_default="0"),
)

# Settings the server keeps for itself (e.g. the generated secret when none is configured).
server_settings = Table(
    "server_settings",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)
