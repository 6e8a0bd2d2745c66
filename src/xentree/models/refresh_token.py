from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from xentree.kit.models import Base, CreatedAtMixin, IDMixin, UTCDateTime


class RefreshToken(IDMixin, CreatedAtMixin, Base):
    """One link of a session's refresh-token chain. Only a hash of the token is stored.

    `rotated_at`/`successor_id` record the rotation, so a replay inside the grace window can be
    answered with the same successor pair and a later replay can be detected as reuse.
    """

    __tablename__ = "refresh_tokens"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # The access token minted together with this refresh token; kept so that a replay within
    # the grace window re-mints exactly the same pair.
    access_jti: Mapped[uuid.UUID] = mapped_column(Uuid(), nullable=False)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    successor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("refresh_tokens.id", ondelete="SET NULL")
    )
