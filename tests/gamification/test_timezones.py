"""Local-day bucketing: DST, timezone changes, late and out-of-order events."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from tests.conftest import scalar
from tests.gamification.conftest import Learner as AuthedUser
from tests.gamification.conftest import LearnerFactory as UserFactory
from tests.gamification.helpers import at, get_json, give
from xentree.kit.time import clock
from xentree.models import User


async def set_timezone(app: FastAPI, user_id: str, timezone: str) -> None:
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(User).where(User.id == uuid.UUID(user_id)).values(timezone=timezone)
        )
        await session.commit()


def xp_by_date(body: dict[str, Any]) -> dict[str, int]:
    return {d["date"]: d["xp"] for d in body["days"] if d["xp"]}


async def test_spring_forward_day(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    # 2026-03-08: New York jumps from 02:00 EST to 03:00 EDT; the local day is 23 hours long.
    user = await user_factory(timezone="America/New_York")
    clock.freeze(at("2026-03-10T15:00:00"))
    await give(app, user.id, 1, "2026-03-08T04:59:00", source="quest")  # Mar 7, 23:59 EST
    await give(app, user.id, 2, "2026-03-08T05:00:00", source="quest")  # Mar 8, 00:00 EST
    await give(app, user.id, 4, "2026-03-08T06:30:00", source="quest")  # 01:30 EST
    await give(app, user.id, 8, "2026-03-08T07:30:00", source="quest")  # 03:30 EDT
    await give(app, user.id, 16, "2026-03-09T03:59:00", source="quest")  # Mar 8, 23:59 EDT
    await give(app, user.id, 32, "2026-03-09T04:00:00", source="quest")  # Mar 9, 00:00 EDT
    week = await get_json(client, "/api/xp/weekly-activity", user.headers)
    assert week["week_start"] == "2026-03-08"
    assert xp_by_date(week) == {"2026-03-08": 30, "2026-03-09": 32}
    pulse = await get_json(client, "/api/xp/learning-pulse", user.headers)
    assert xp_by_date(pulse) == {"2026-03-07": 1, "2026-03-08": 30, "2026-03-09": 32}
    status = await get_json(client, "/api/xp/streak-status", user.headers)
    assert status["current_streak"] == 3


async def test_fall_back_day(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    # 2026-11-01: 01:00-02:00 happens twice in New York; the local day is 25 hours long.
    user = await user_factory(timezone="America/New_York")
    clock.freeze(at("2026-11-02T15:00:00"))
    await give(app, user.id, 1, "2026-11-01T05:30:00", source="quest")  # 01:30 EDT
    await give(app, user.id, 2, "2026-11-01T06:30:00", source="quest")  # 01:30 EST
    await give(app, user.id, 4, "2026-11-02T04:59:00", source="quest")  # Nov 1, 23:59 EST
    await give(app, user.id, 8, "2026-11-02T05:00:00", source="quest")  # Nov 2, 00:00 EST
    pulse = await get_json(client, "/api/xp/learning-pulse", user.headers)
    assert xp_by_date(pulse) == {"2026-11-01": 7, "2026-11-02": 8}
    assert pulse["end_date"] == "2026-11-02"
    time = await get_json(
        client,
        "/api/analytics/learning-time",
        user.headers,
        start_date="2026-11-01",
        end_date="2026-11-02",
    )
    assert [d["date"] for d in time["days"]] == ["2026-11-01", "2026-11-02"]


async def test_week_boundaries_follow_local_time(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    # Saturday 2026-05-09 22:00 UTC is already Sunday May 10 in Tokyo: a new week there.
    user = await user_factory(timezone="Asia/Tokyo")
    clock.freeze(at("2026-05-09T22:00:00"))
    await give(app, user.id, 5, "2026-05-09T14:00:00", source="quest")  # Saturday 23:00 Tokyo
    await give(app, user.id, 6, "2026-05-09T15:00:00", source="quest")  # Sunday 00:00 Tokyo
    week = await get_json(client, "/api/xp/weekly-activity", user.headers)
    assert week["week_start"] == "2026-05-10" and week["week_end"] == "2026-05-16"
    assert week["days"][0]["xp"] == 6 and week["total_xp"] == 6
    quests = await get_json(client, "/api/xp/quests", user.headers)
    assert quests["date"] == "2026-05-10"
    other = await user_factory(timezone="America/Los_Angeles")
    la_week = await get_json(client, "/api/xp/weekly-activity", other.headers)
    assert la_week["week_start"] == "2026-05-03"  # still Saturday in Los Angeles


async def test_timezone_change_keeps_days_already_bucketed(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    clock.freeze(at("2026-05-06T12:00:00"))
    user = await user_factory()
    await give(app, user.id, 5, "2026-05-04T23:30:00", source="quest")  # May 4 in UTC
    await give(app, user.id, 6, "2026-05-05T12:00:00", source="quest")
    response = await client.patch(
        "/api/auth/me", headers=user.bearer, json={"timezone": "Asia/Tokyo"}
    )
    assert response.status_code == 200, response.text
    # In Tokyo the first event would be May 5, but it stays on the day it was earned.
    pulse = await get_json(client, "/api/xp/learning-pulse", user.headers)
    assert pulse["timezone"] == "Asia/Tokyo"
    assert xp_by_date(pulse) == {"2026-05-04": 5, "2026-05-05": 6}
    # New events bucket in Tokyo time: 2026-05-06T16:00Z is May 7 there.
    clock.freeze(at("2026-05-06T16:00:00"))
    await give(app, user.id, 7, "2026-05-06T16:00:00", source="quest")
    pulse = await get_json(client, "/api/xp/learning-pulse", user.headers)
    assert xp_by_date(pulse) == {"2026-05-04": 5, "2026-05-05": 6, "2026-05-07": 7}
    assert pulse["end_date"] == "2026-05-07"
    status = await get_json(client, "/api/xp/streak-status", user.headers)
    assert status["last_activity"] == "2026-05-07"
    assert status["current_streak"] == 1  # May 6 was missed, no freeze held
    assert status["longest_streak"] == 2


async def test_timezone_change_backwards_never_erases_a_day(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    # UTC+14 to UTC-11: the last active day is "tomorrow" in the new zone; it still counts.
    user = await user_factory(timezone="Pacific/Kiritimati")
    clock.freeze(at("2026-05-05T11:00:00"))  # May 6, 01:00 in Kiritimati
    await give(app, user.id, 5, "2026-05-05T11:00:00", source="quest")
    await set_timezone(app, user.id, "Pacific/Pago_Pago")
    clock.freeze(at("2026-05-05T12:30:00"))  # May 5, 01:30 in Pago Pago
    status = await get_json(client, "/api/xp/streak-status", user.headers)
    assert status["current_streak"] == 1 and status["last_activity"] == "2026-05-06"
    assert status["streak_at_risk"] is False
    await give(app, user.id, 6, "2026-05-05T12:30:00", source="quest")  # May 5 local
    status = await get_json(client, "/api/xp/streak-status", user.headers)
    assert status["current_streak"] == 2 and status["last_activity"] == "2026-05-06"
    assert await scalar(app, "SELECT sum(xp) FROM xp_days") == 11
    profile = await get_json(client, "/api/xp/profile", user.headers)
    assert profile["total_xp"] == 11


async def test_out_of_order_events_equal_in_order_events(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    clock.freeze(at("2026-05-20T12:00:00"))
    offsets = [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 13]
    in_order = await user_factory(timezone="Europe/Berlin")
    shuffled = await user_factory(timezone="Europe/Berlin")
    start = at("2026-05-01T10:00:00")
    for i in offsets:
        await give(app, in_order.id, 3, start + timedelta(days=i), source="quest")
    for i in [13, 2, 9, 0, 12, 6, 1, 10, 5, 3, 8, 4]:
        await give(app, shuffled.id, 3, start + timedelta(days=i), source="quest")
    for path in ("/api/xp/streak-status", "/api/xp/learning-pulse"):
        a = await get_json(client, path, in_order.headers)
        b = await get_json(client, path, shuffled.headers)
        assert a == b
    status = await get_json(client, "/api/xp/streak-status", in_order.headers)
    # 7 days earn a freeze that covers May 8; May 12 is missed with no freeze held.
    assert status["longest_streak"] == 10
    assert status["current_streak"] == 0  # May 15-19 missed
    assert status["freezes_used"] == 1


async def test_late_event_fills_a_gap_and_releases_the_freeze(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    clock.freeze(at("2026-05-10T12:00:00"))
    start = at("2026-05-01T10:00:00")
    for i in [0, 1, 2, 3, 4, 5, 6, 8, 9]:
        await give(app, user.id, 3, start + timedelta(days=i), source="quest")
    week = await get_json(client, "/api/xp/weekly-activity", user.headers)
    assert week["freeze_covered_dates"] == []  # May 8 is in the previous week
    assert await scalar(app, "SELECT count(*) FROM xp_days WHERE freeze_used") == 1
    status = await get_json(client, "/api/xp/streak-status", user.headers)
    assert (status["current_streak"], status["freezes_used"], status["freezes_available"]) == (
        9,
        1,
        0,
    )
    # The activity of May 8 arrives late (e.g. an offline client syncing).
    assert await give(app, user.id, 3, start + timedelta(days=7), source="quest", source_ref="late")
    assert not await give(
        app, user.id, 3, start + timedelta(days=7), source="quest", source_ref="late"
    )
    status = await get_json(client, "/api/xp/streak-status", user.headers)
    assert (status["current_streak"], status["freezes_used"], status["freezes_available"]) == (
        10,
        0,
        1,
    )
    assert await scalar(app, "SELECT count(*) FROM xp_days WHERE freeze_used") == 0
    assert await scalar(app, "SELECT xp FROM xp_days WHERE day = '2026-05-08'") == 3
