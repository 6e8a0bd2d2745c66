"""integration tokens: signing keys, grants, revocation deny-list and history

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-23 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xentree.kit.models

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "integration_signing_keys",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("public_key_der", sa.LargeBinary(length=1024), nullable=False),
        sa.Column("private_key_encrypted", sa.LargeBinary(length=4096), nullable=False),
        sa.Column("retired_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'retired')", name=op.f("ck_integration_signing_keys_status")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_integration_signing_keys_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_integration_signing_keys_kid")),
    )
    with op.batch_alter_table("integration_signing_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integration_signing_keys_organization_id"),
            ["organization_id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_integration_signing_keys_one_active",
            ["organization_id"],
            unique=True,
            postgresql_where=sa.text("status = 'active'"),
            sqlite_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "integration_grants",
        sa.Column("jti", sa.String(length=128), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("issued_by", sa.Uuid(), nullable=True),
        sa.Column("issued_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issued_by"],
            ["users.id"],
            name=op.f("fk_integration_grants_issued_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["kid"],
            ["integration_signing_keys.kid"],
            name=op.f("fk_integration_grants_kid_integration_signing_keys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_integration_grants_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_integration_grants")),
    )
    with op.batch_alter_table("integration_grants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_integration_grants_kid_expires_at", ["kid", "expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_integration_grants_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_integration_grants_issued_by"), ["issued_by"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_integration_grants_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "integration_revoked_jtis",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("jti", sa.String(length=128), nullable=False),
        sa.Column("expires_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_integration_revoked_jtis_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "jti", name=op.f("pk_integration_revoked_jtis")),
    )
    with op.batch_alter_table("integration_revoked_jtis", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integration_revoked_jtis_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "integration_token_revocations",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("jti", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("revoked_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.Column("expires_at", xentree.kit.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_integration_token_revocations_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"],
            ["users.id"],
            name=op.f("fk_integration_token_revocations_revoked_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_token_revocations")),
        sa.UniqueConstraint(
            "organization_id",
            "jti",
            name=op.f("uq_integration_token_revocations_organization_id_jti"),
        ),
    )
    with op.batch_alter_table("integration_token_revocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integration_token_revocations_revoked_at"), ["revoked_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_integration_token_revocations_revoked_by"), ["revoked_by"], unique=False
        )


def downgrade() -> None:
    op.drop_table("integration_token_revocations")
    op.drop_table("integration_revoked_jtis")
    op.drop_table("integration_grants")
    op.drop_table("integration_signing_keys")
