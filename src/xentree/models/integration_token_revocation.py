from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xentree.kit.models import Base, IDMixin, UTCDateTime


class IntegrationTokenRevocation(IDMixin, Base):
    """History of integration-token revocations (the admin view); one row per (tenant, jti).

    The unique (tenant, jti) pair is what makes revoking idempotent.
    """

    __tablename__ = "integration_token_revocations"
    __table_args__ = (UniqueConstraint("organization_id", "jti"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    jti: Mapped[str] = mapped_column(String(128), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(200))
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # None when an unknown jti was revoked (its token, if any, is not on record).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
