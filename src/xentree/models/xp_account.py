from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from xentree.kit.models import Base, UTCDateTime
from xentree.kit.time import utcnow


class XpAccount(Base):
    """Per-user XP totals, token balance, booster and the cached streak state.

    Only `gamification.service.award` writes it, holding its row lock, so the row also
    serialises concurrent awards of one user. The streak fields are the streak engine's state
    at the end of `last_active_date`; reads extend it to today without scanning history.
    """

    __tablename__ = "xp_accounts"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    total_xp: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    token_balance: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    booster_multiplier: Mapped[int | None] = mapped_column(Integer)
    booster_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    booster_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    streak_current: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    streak_longest: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    freezes_held: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    freezes_used: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_active_date: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow
    )
