from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xentree.kit.models import Base, CreatedAtMixin, IDMixin, UTCDateTime


class LiveTranscript(IDMixin, CreatedAtMixin, Base):
    """The transcript of one Live session; several posts for the same start merge into it."""

    __tablename__ = "live_transcripts"
    __table_args__ = (UniqueConstraint("user_id", "session_started_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    session_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    session_ended_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    turn_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    preview: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
