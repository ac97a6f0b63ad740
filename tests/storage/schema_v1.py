"""The schema as version 1 of the coach made it, frozen here so that upgrades can be tested on a real
version-1 database. Never edit it: later versions live in coach/storage/sql.py."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from coach.storage.sql import UtcDateTime

metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(40), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("cohort", String(100)),
    Column("created_at", UtcDateTime, nullable=False),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("success", Boolean, nullable=False),
    Column("source", String(200), nullable=False),
    Index("login_attempts_by_username", "username", "at"),
)

scenario_versions = Table(
    "scenario_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scenario_id", String(100), nullable=False),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("version_id", Integer, ForeignKey("scenario_versions.id"), nullable=False),
    Column("mode", String(20), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("score", Float),
    Column("passed", Boolean),
    Column("outcome", String(50)),
    Column("ruleset_version", String(50)),
    Index("attempts_by_owner", "owner_id", "started_at"),
    Index("attempts_by_start", "started_at"),
)

attempt_events = Table(
    "attempt_events",
    metadata,
    Column("attempt_id", String(32), ForeignKey("attempts.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("t", Float, nullable=False),
    Column("type", String(30), nullable=False),
    Column("payload", Text, nullable=False),
    PrimaryKeyConstraint("attempt_id", "seq"),
)

attempt_rule_results = Table(
    "attempt_rule_results",
    metadata,
    Column("attempt_id", String(32), ForeignKey("attempts.id"), nullable=False),
    Column("code", String(10), nullable=False),
    Column("verdict", String(5), nullable=False),
    PrimaryKeyConstraint("attempt_id", "code"),
    Index("rule_results_by_code", "code", "verdict"),
)
