from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from xentree.kit.models import Base, UTCDateTime


class LiveTranscriptTurn(Base):
    """One turn of a transcript. `turn_key` (SHA-256 of role, timestamp and text) makes a turn
    posted twice land once; the autoincrement id keeps the posting order among equal timestamps."""

    __tablename__ = "live_transcript_turns"
    __table_args__ = (
        UniqueConstraint("transcript_id", "turn_key"),
        Index("ix_live_transcript_turns_transcript_id_timestamp", "transcript_id", "timestamp"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    transcript_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("live_transcripts.id", ondelete="CASCADE"), nullable=False
    )
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    turn_key: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
