from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, false
from sqlalchemy.orm import Mapped, mapped_column

from xentree.kit.models import Base


class XpDay(Base):
    """Per-user, per-local-day rollup of the ledger, maintained in the award's transaction.

    Every read (profile, streaks, weekly activity, pulse, quests, learning time) uses these rows
    and never the ledger. A row with `xp == 0` and `freeze_used` marks a day saved by a freeze.
    `quests_claimed` is a bit set over the quest catalogue index: rewards credited that day.
    """

    __tablename__ = "xp_days"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    xp: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    xp_live: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    xp_xel: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    xp_chat: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    xp_quest: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    seconds_live: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    seconds_conversations: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    seconds_xel: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    events: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    live_sessions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    tasks_completed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    perfect_scores: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    evaluations: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    chat_messages: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    quests_claimed: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    freeze_used: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
