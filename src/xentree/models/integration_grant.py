from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from xentree.kit.models import Base, UTCDateTime


class IntegrationGrant(Base):
    """One issued integration token, kept until it expires (then pruned).

    It tells which signing keys still have live tokens (a retired key stays in the JWKS while
    one exists) and gives a revocation by jti the token's expiry.
    """

    __tablename__ = "integration_grants"
    __table_args__ = (Index("ix_integration_grants_kid_expires_at", "kid", "expires_at"),)

    jti: Mapped[str] = mapped_column(String(128), primary_key=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kid: Mapped[str] = mapped_column(
        ForeignKey("integration_signing_keys.kid", ondelete="CASCADE"), nullable=False
    )
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    issued_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
