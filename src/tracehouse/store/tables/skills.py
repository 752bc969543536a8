"""Skills: named packages of agent instructions in a project or organization scope, their
immutable numbered versions and the labels that point at them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tracehouse.store.tables.base import RowId, metadata

skills = Table(
    "skills",
    metadata,
    Column("skill_rowid", RowId, primary_key=True, autoincrement=True),
    Column("org_rowid", ForeignKey("organizations.org_rowid", ondelete="CASCADE"), nullable=False),
    # NULL for an organization skill (every project of the organization sees it).
    Column("project_rowid", ForeignKey("projects.project_rowid", ondelete="CASCADE")),
    Column("id", String(64), nullable=False, unique=True),
    Column("scope", String(20), nullable=False),  # project | organization
    # The project's rowid, or the organization's: names are unique within one owner.
    Column("owner_rowid", BigInteger, nullable=False),
    Column("name", String(200), nullable=False),
    Column("tags", Text, nullable=False),  # JSON list of strings, shared by every version
    # Highest version ever created: numbers are never reused.
    Column("last_version", Integer, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("scope", "owner_rowid", "name"),
)

skill_versions = Table(
    "skill_versions",
    metadata,
    Column("version_rowid", RowId, primary_key=True, autoincrement=True),
    Column("skill_rowid", ForeignKey("skills.skill_rowid", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("description", Text),
    Column("body", Text, nullable=False),  # Markdown instructions
    Column("metadata", Text),  # JSON object
    Column("files", Text),  # JSON object: file name -> text
    Column("commit_message", Text),
    Column("author", String(200)),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("skill_rowid", "version"),
)

# A label names one version of a skill; moving it rewrites one row.
skill_labels = Table(
    "skill_labels",
    metadata,
    Column("skill_rowid", ForeignKey("skills.skill_rowid", ondelete="CASCADE"), primary_key=True),
    Column("label", String(100), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)
