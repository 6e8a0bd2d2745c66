"""Ended and expired sessions feed XP (2 per full minute) and learning time, once each."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from tests.fixtures.auth import AuthedUser
from tests.live.conftest import Live
from xentree.kit.time import clock
from xentree.models import XpEvent


async def live_events(app: FastAPI, session_id: str) -> list[XpEvent]:
    async with app.state.sessionmaker() as db:
        result = await db.execute(
            select(XpEvent).where(XpEvent.source == "live", XpEvent.source_ref == session_id)
        )
        return list(result.scalars().all())


async def test_an_ended_session_awards_xp_and_learning_time_once(
    app: FastAPI, client: httpx.AsyncClient, live: Live, live_user: AuthedUser
) -> None:
    session_id = (await live.started())["session_id"]
    for step in (60, 60, 30):
        clock.advance(step)
        assert (await live.heartbeat(session_id)).status_code == 200
    clock.advance(9)
    assert (await live.end(session_id)).json()["billed_seconds"] == 159
    clock.advance(5)
    await live.end(session_id)  # idempotent: no second award
    [event] = await live_events(app, session_id)
    assert (event.amount, event.seconds) == (4, 159)  # two full minutes -> 4 XP
    assert event.user_id == uuid.UUID(live_user.id)
    assert event.occurred_at == datetime(2026, 3, 10, 12, 2, 39, tzinfo=UTC)
    profile = await client.get("/api/xp/profile", headers=live_user.headers)
    assert profile.status_code == 200, profile.text
    assert profile.json()["total_xp"] == 4
    analytics = await client.get("/api/analytics/learning-time", headers=live_user.headers)
    assert analytics.status_code == 200, analytics.text
    assert analytics.json()["by_source"]["live"] == 159


async def test_an_expired_short_session_still_records_its_time(
    app: FastAPI, client: httpx.AsyncClient, live: Live, live_user: AuthedUser
) -> None:
    session_id = (await live.started())["session_id"]
    clock.advance(30)
    await live.heartbeat(session_id)
    clock.advance(120)
    assert (await live.quota()).json()["active_session_id"] is None  # lazily expired
    [event] = await live_events(app, session_id)
    assert (event.amount, event.seconds) == (0, 30)
    assert event.occurred_at == datetime(2026, 3, 10, 12, 0, 30, tzinfo=UTC)


async def test_a_session_ended_by_the_quota_is_recorded(
    app: FastAPI, client: httpx.AsyncClient, live: Live, live_user: AuthedUser
) -> None:
    from tests.live.helpers import set_usage
    from tests.live.test_sessions import MARCH

    await set_usage(app, live_user.id, MARCH, 1800 - 125)
    session_id = (await live.started())["session_id"]
    for _ in range(3):
        clock.advance(60)
        response = await live.heartbeat(session_id)
    assert response.status_code == 429
    [event] = await live_events(app, session_id)
    assert (event.amount, event.seconds) == (4, 125)
