from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xentree.kit.models import Base, UTCDateTime


class IntegrationRevokedJti(Base):
    """The live deny-list checked by every verification: one row per revoked (tenant, jti).

    A row is pruned once the token would have expired anyway (`expires_at`); the history of
    revocations lives in `integration_token_revocations`.
    """

    __tablename__ = "integration_revoked_jtis"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    jti: Mapped[str] = mapped_column(String(128), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
