from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from xentree.kit.models import Base, IDMixin, UTCDateTime


class LiveSession(IDMixin, Base):
    """One Xentree Live session and the seconds billed for it.

    `billed_until` is the server-clock instant up to which the session has been accounted for;
    every billing step starts there and moves it forward, so no interval is billed twice.
    `last_heartbeat_at` is the last sign of life (staleness); `billed_seconds` is the session's
    own record of what it cost (the monthly counters live in `live_usage`).
    """

    __tablename__ = "live_sessions"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'ended', 'expired')", name="status"),
        CheckConstraint("session_type IN ('voice', 'avatar')", name="session_type"),
        CheckConstraint("billed_seconds >= 0", name="billed_seconds_non_negative"),
        # One active session per user, enforced by the database as well as by the service.
        # Partial: it indexes active sessions only, so the sweeper scans just those, and a
        # heartbeat (which changes no indexed column) is a cheap HOT update on PostgreSQL.
        Index(
            "ix_live_sessions_one_active_per_user",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    session_type: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    billed_until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    billed_seconds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
