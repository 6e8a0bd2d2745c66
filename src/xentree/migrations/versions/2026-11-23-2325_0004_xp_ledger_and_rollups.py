"""xp ledger, daily rollups and accounts

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 23:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xentree.kit.models

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "xp_accounts",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("total_xp", sa.Integer(), nullable=False),
        sa.Column("token_balance", sa.Integer(), nullable=False),
        sa.Column("booster_multiplier", sa.Integer(), nullable=True),
        sa.Column(
            "booster_starts_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("booster_ends_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("streak_current", sa.Integer(), nullable=False),
        sa.Column("streak_longest", sa.Integer(), nullable=False),
        sa.Column("freezes_held", sa.Integer(), nullable=False),
        sa.Column("freezes_used", sa.Integer(), nullable=False),
        sa.Column("last_active_date", sa.Date(), nullable=True),
        sa.Column("updated_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_xp_accounts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_xp_accounts")),
    )
    op.create_table(
        "xp_days",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("xp", sa.Integer(), nullable=False),
        sa.Column("xp_live", sa.Integer(), nullable=False),
        sa.Column("xp_xel", sa.Integer(), nullable=False),
        sa.Column("xp_chat", sa.Integer(), nullable=False),
        sa.Column("xp_quest", sa.Integer(), nullable=False),
        sa.Column("seconds_live", sa.Integer(), nullable=False),
        sa.Column("seconds_conversations", sa.Integer(), nullable=False),
        sa.Column("seconds_xel", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("live_sessions", sa.Integer(), nullable=False),
        sa.Column("tasks_completed", sa.Integer(), nullable=False),
        sa.Column("perfect_scores", sa.Integer(), nullable=False),
        sa.Column("evaluations", sa.Integer(), nullable=False),
        sa.Column("chat_messages", sa.Integer(), nullable=False),
        sa.Column("quests_claimed", sa.BigInteger(), nullable=False),
        sa.Column("freeze_used", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_xp_days_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_xp_days")),
    )
    op.create_table(
        "xp_events",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("multiplier", sa.Integer(), nullable=False),
        sa.Column("xp", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("occurred_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_xp_events_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xp_events")),
        sa.UniqueConstraint("source", "source_ref", name=op.f("uq_xp_events_source_source_ref")),
    )
    op.create_index(
        "ix_xp_events_user_id_occurred_at", "xp_events", ["user_id", "occurred_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_xp_events_user_id_occurred_at", table_name="xp_events")
    op.drop_table("xp_events")
    op.drop_table("xp_days")
    op.drop_table("xp_accounts")
