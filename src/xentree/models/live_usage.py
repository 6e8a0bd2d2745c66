from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from xentree.kit.models import Base, UTCDateTime


class LiveUsage(Base):
    """Seconds of Xentree Live a user has used in one calendar month (UTC)."""

    __tablename__ = "live_usage"
    __table_args__ = (CheckConstraint("used_seconds >= 0", name="used_seconds_non_negative"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # The first day of the month the seconds belong to.
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    used_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
