"""Direct database access for assertions on stored Live state (through the models)."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import FastAPI
from sqlalchemy import func, select, update

from xentree.kit.time import utcnow
from xentree.models import LiveSession, LiveUsage, User


async def set_plan(app: FastAPI, user_id: str, plan: str) -> None:
    async with app.state.sessionmaker() as db:
        await db.execute(update(User).where(User.id == uuid.UUID(user_id)).values(plan=plan))
        await db.commit()


async def set_usage(app: FastAPI, user_id: str, period: date, used: int) -> None:
    async with app.state.sessionmaker() as db:
        db.add(
            LiveUsage(
                user_id=uuid.UUID(user_id),
                period_start=period,
                used_seconds=used,
                updated_at=utcnow(),
            )
        )
        await db.commit()


async def usage(app: FastAPI, user_id: str) -> dict[date, int]:
    async with app.state.sessionmaker() as db:
        rows = await db.execute(
            select(LiveUsage.period_start, LiveUsage.used_seconds).where(
                LiveUsage.user_id == uuid.UUID(user_id)
            )
        )
        return {row[0]: row[1] for row in rows.all()}


async def session_row(app: FastAPI, session_id: str) -> LiveSession:
    async with app.state.sessionmaker() as db:
        found: LiveSession | None = await db.get(LiveSession, uuid.UUID(session_id))
        assert found is not None
        return found


async def sessions_of(app: FastAPI, user_id: str) -> list[LiveSession]:
    async with app.state.sessionmaker() as db:
        result = await db.execute(
            select(LiveSession)
            .where(LiveSession.user_id == uuid.UUID(user_id))
            .order_by(LiveSession.started_at)
        )
        return list(result.scalars().all())


async def active_count(app: FastAPI, user_id: str) -> int:
    async with app.state.sessionmaker() as db:
        count = await db.scalar(
            select(func.count())
            .select_from(LiveSession)
            .where(LiveSession.user_id == uuid.UUID(user_id), LiveSession.status == "active")
        )
        return int(count or 0)
