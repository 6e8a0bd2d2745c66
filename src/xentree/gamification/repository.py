"""All SQL of Profile & Analytics. Reads use account rows and daily rollups, never the ledger."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from xentree.kit.db import for_update
from xentree.kit.time import utcnow
from xentree.models import User, XpAccount, XpDay, XpEvent


def _insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, which has ON CONFLICT DO NOTHING on both databases."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def lock_account(session: AsyncSession, user_id: uuid.UUID) -> XpAccount:
    statement = for_update(select(XpAccount).where(XpAccount.user_id == user_id), session)
    statement = statement.execution_options(populate_existing=True)
    account = (await session.execute(statement)).scalar_one_or_none()
    if account is not None:
        return account
    # First award of this user. Concurrent first awards both insert; ON CONFLICT keeps one row
    # and the loser waits for the winner's commit, then locks the row like any later award.
    await session.execute(
        _insert(session)(XpAccount)
        .values(
            user_id=user_id,
            total_xp=0,
            token_balance=0,
            streak_current=0,
            streak_longest=0,
            freezes_held=0,
            freezes_used=0,
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    return (await session.execute(statement)).scalar_one()


async def insert_event(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    source: str,
    source_ref: str,
    amount: int,
    multiplier: int,
    xp: int,
    seconds: int,
    occurred_at: datetime,
    local_date: date,
    timezone: str,
) -> bool:
    """Append to the ledger; False when (source, source_ref) is already recorded.

    A concurrent transaction inserting the same reference makes this one wait for its outcome.
    """
    inserted = await session.execute(
        _insert(session)(XpEvent)
        .values(
            id=uuid.uuid4(),
            user_id=user_id,
            source=source,
            source_ref=source_ref,
            amount=amount,
            multiplier=multiplier,
            xp=xp,
            seconds=seconds,
            occurred_at=occurred_at,
            local_date=local_date,
            timezone=timezone,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["source", "source_ref"])
        .returning(XpEvent.id)
    )
    return inserted.scalar_one_or_none() is not None


async def active_days(session: AsyncSession, user_id: uuid.UUID) -> list[date]:
    result = await session.execute(select(XpDay.day).where(XpDay.user_id == user_id, XpDay.xp > 0))
    return list(result.scalars())


async def clear_freeze_markers(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(XpDay)
        .where(XpDay.user_id == user_id, XpDay.freeze_used.is_(True))
        .values(freeze_used=False)
        .execution_options(synchronize_session="fetch")
    )


async def get_days_in(
    session: AsyncSession, user_id: uuid.UUID, days: Sequence[date]
) -> Sequence[XpDay]:
    result = await session.execute(
        select(XpDay).where(XpDay.user_id == user_id, XpDay.day.in_(days))
    )
    return result.scalars().all()


async def get_account(session: AsyncSession, user_id: uuid.UUID) -> XpAccount | None:
    return await session.get(XpAccount, user_id)


async def get_day(session: AsyncSession, user_id: uuid.UUID, day: date) -> XpDay | None:
    return await session.get(XpDay, (user_id, day))


async def get_days(
    session: AsyncSession, user_id: uuid.UUID, start: date, end: date
) -> Sequence[XpDay]:
    """Rollup rows of start..end inclusive (days without any row are absent)."""
    result = await session.execute(
        select(XpDay)
        .where(XpDay.user_id == user_id, XpDay.day >= start, XpDay.day <= end)
        .order_by(XpDay.day)
    )
    return result.scalars().all()


async def pulse_rows(
    session: AsyncSession, user_id: uuid.UUID, start: date, end: date
) -> Sequence[Row[date, int, int]]:
    """(day, xp, learning seconds) of start..end inclusive, only days with XP or time."""
    seconds = XpDay.seconds_live + XpDay.seconds_conversations + XpDay.seconds_xel
    result = await session.execute(
        select(XpDay.day, XpDay.xp, seconds)
        .where(XpDay.user_id == user_id, XpDay.day >= start, XpDay.day <= end)
        .where((XpDay.xp > 0) | (seconds > 0))
        .order_by(XpDay.day)
    )
    return result.all()


async def learning_time_rows(
    session: AsyncSession, user_id: uuid.UUID, start: date, end: date
) -> Sequence[Row[date, int, int, int]]:
    result = await session.execute(
        select(XpDay.day, XpDay.seconds_live, XpDay.seconds_conversations, XpDay.seconds_xel)
        .where(XpDay.user_id == user_id, XpDay.day >= start, XpDay.day <= end)
        .order_by(XpDay.day)
    )
    return result.all()


async def find_user_by_username(session: AsyncSession, username: str) -> User | None:
    result = await session.execute(
        # Usernames are stored case-folded (registration folds them), so the unique index serves.
        select(User).where(User.username == username.strip().casefold())
    )
    return result.scalar_one_or_none()
