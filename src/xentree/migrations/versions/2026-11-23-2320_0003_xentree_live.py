"""xentree live: sessions, monthly usage and transcripts

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xentree.kit.models

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_sessions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("session_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("started_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "last_heartbeat_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("billed_until", xentree.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("billed_seconds", sa.Integer(), nullable=False),
        sa.Column("ended_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "billed_seconds >= 0", name=op.f("ck_live_sessions_billed_seconds_non_negative")
        ),
        sa.CheckConstraint(
            "session_type IN ('voice', 'avatar')", name=op.f("ck_live_sessions_session_type")
        ),
        sa.CheckConstraint(
            "status IN ('active', 'ended', 'expired')", name=op.f("ck_live_sessions_status")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_live_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_sessions")),
    )
    op.create_index(
        "ix_live_sessions_one_active_per_user",
        "live_sessions",
        ["user_id"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index(op.f("ix_live_sessions_user_id"), "live_sessions", ["user_id"], unique=False)
    op.create_table(
        "live_usage",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("used_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "used_seconds >= 0", name=op.f("ck_live_usage_used_seconds_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_live_usage_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "period_start", name=op.f("pk_live_usage")),
    )
    op.create_table(
        "live_transcripts",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "session_started_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "session_ended_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("turn_count", sa.Integer(), nullable=False),
        sa.Column("preview", sa.String(length=200), nullable=False),
        sa.Column("updated_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_live_transcripts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_transcripts")),
        sa.UniqueConstraint(
            "user_id",
            "session_started_at",
            name=op.f("uq_live_transcripts_user_id_session_started_at"),
        ),
    )
    op.create_table(
        "live_transcript_turns",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("transcript_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("timestamp", xentree.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("turn_key", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["live_transcripts.id"],
            name=op.f("fk_live_transcript_turns_transcript_id_live_transcripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_transcript_turns")),
        sa.UniqueConstraint(
            "transcript_id",
            "turn_key",
            name=op.f("uq_live_transcript_turns_transcript_id_turn_key"),
        ),
    )
    op.create_index(
        "ix_live_transcript_turns_transcript_id_timestamp",
        "live_transcript_turns",
        ["transcript_id", "timestamp"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_live_transcript_turns_transcript_id_timestamp", table_name="live_transcript_turns"
    )
    op.drop_table("live_transcript_turns")
    op.drop_table("live_transcripts")
    op.drop_table("live_usage")
    op.drop_index(op.f("ix_live_sessions_user_id"), table_name="live_sessions")
    op.drop_index("ix_live_sessions_one_active_per_user", table_name="live_sessions")
    op.drop_table("live_sessions")
