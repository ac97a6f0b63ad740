"""The schema at version 1, as first released (a frozen copy of coach.storage.sql's tables then),
so that upgrade tests start from a database the released coach really made.

Never edit this to follow later versions: each later change is an upgrade in `UPGRADES`, and the
tests check that upgrading this schema gives what a fresh database gets.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    insert,
)

VERSION_1 = MetaData()

_schema_version = Table("schema_version", VERSION_1, Column("version", Integer, nullable=False))

Table(
    "users",
    VERSION_1,
    Column("id", Integer, primary_key=True),
    Column("username", String(40), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("cohort", String(100)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

Table(
    "login_attempts",
    VERSION_1,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("success", Boolean, nullable=False),
    Column("source", String(200), nullable=False),
    Index("login_attempts_by_username", "username", "at"),
)

Table(
    "scenario_versions",
    VERSION_1,
    Column("id", Integer, primary_key=True),
    Column("scenario_id", String(100), nullable=False),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

Table(
    "attempts",
    VERSION_1,
    Column("id", String(32), primary_key=True),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("version_id", Integer, ForeignKey("scenario_versions.id"), nullable=False),
    Column("mode", String(20), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("score", Float),
    Column("passed", Boolean),
    Column("outcome", String(50)),
    Column("ruleset_version", String(50)),
    Index("attempts_by_owner", "owner_id", "started_at"),
    Index("attempts_by_start", "started_at"),
)

Table(
    "attempt_events",
    VERSION_1,
    Column("attempt_id", String(32), ForeignKey("attempts.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("t", Float, nullable=False),
    Column("type", String(30), nullable=False),
    Column("payload", Text, nullable=False),
    PrimaryKeyConstraint("attempt_id", "seq"),
)

Table(
    "attempt_rule_results",
    VERSION_1,
    Column("attempt_id", String(32), ForeignKey("attempts.id"), nullable=False),
    Column("code", String(10), nullable=False),
    Column("verdict", String(5), nullable=False),
    PrimaryKeyConstraint("attempt_id", "code"),
    Index("rule_results_by_code", "code", "verdict"),
)


def create_version_1(conn: Connection) -> None:
    """Make the version 1 schema in an empty database, as the released coach's open_store did."""
    VERSION_1.create_all(conn)
    conn.execute(insert(_schema_version).values(version=1))
