from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xentree.kit.models import Base, CreatedAtMixin, IDMixin, UTCDateTime


class XpEvent(IDMixin, CreatedAtMixin, Base):
    """The append-only XP ledger: one row per award, unique by (source, source_ref)."""

    __tablename__ = "xp_events"
    __table_args__ = (
        UniqueConstraint("source", "source_ref"),
        Index("ix_xp_events_user_id_occurred_at", "user_id", "occurred_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    source: Mapped[str] = mapped_column(String(32), nullable=False)
    source_ref: Mapped[str] = mapped_column(String(200), nullable=False)
    # What the feed asked for, the booster multiplier applied, and the XP actually credited
    # (after the booster and the daily chat cap).
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    multiplier: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    xp: Mapped[int] = mapped_column(Integer, nullable=False)
    seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # The user's local day and timezone at the time of the event (never re-bucketed).
    local_date: Mapped[date] = mapped_column(Date, nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
