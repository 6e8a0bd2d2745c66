"""Property test through the real ledger: random events, arrival orders and timezones.

Each example registers a fresh user, changes its timezone between events (as a traveller
would), awards the events in a random order through `award()`, and compares what the API
reports with the simple reference applied to the local days computed independently here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text, update

from tests.gamification.conftest import LearnerFactory as UserFactory
from tests.gamification.helpers import get_json
from tests.gamification.reference import reference_streak
from xentree.gamification.service import award
from xentree.kit.time import clock
from xentree.models import User

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Australia/Lord_Howe",
    "America/St_Johns",
]
START = datetime(2026, 2, 20, tzinfo=UTC)  # spans the March DST changes of both hemispheres

event = st.tuples(
    st.integers(min_value=0, max_value=45 * 24 * 60),  # minutes after START
    st.sampled_from(ZONES),
    st.integers(min_value=1, max_value=30),
)


@st.composite
def daily_runs(draw: st.DrawFn) -> list[tuple[int, str, int]]:
    """Runs of roughly daily events (long enough to earn and spend freezes) with gaps."""
    history: list[tuple[int, str, int]] = []
    day = 0
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        length = draw(st.integers(min_value=1, max_value=24))
        for _ in range(length):
            minute = draw(st.integers(min_value=0, max_value=24 * 60 - 1))
            history.append((day * 24 * 60 + minute, draw(st.sampled_from(ZONES)), 5))
            day += 1
        day += draw(st.integers(min_value=1, max_value=4))
    return history


events = st.one_of(st.lists(event, min_size=1, max_size=25), daily_runs())


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=events,
    order=st.randoms(use_true_random=False),
    final_zone=st.sampled_from(ZONES),
    gap_hours=st.integers(min_value=0, max_value=24 * 6),
)
async def test_api_matches_reference(
    client: httpx.AsyncClient,
    app: FastAPI,
    user_factory: UserFactory,
    history: list[tuple[int, str, int]],
    order: object,
    final_zone: str,
    gap_hours: int,
) -> None:
    latest = START + timedelta(minutes=max(minutes for minutes, _, _ in history))
    now = latest + timedelta(hours=gap_hours)
    clock.freeze(now)  # before logging in, so the access token is valid at `now`
    user = await user_factory()
    user_id = uuid.UUID(user.id)
    arrivals = list(enumerate(history))
    order.shuffle(arrivals)  # type: ignore[attr-defined]
    local_xp: dict[date, int] = {}
    async with app.state.sessionmaker() as session:
        for ref, (minutes, zone, amount) in arrivals:
            when = START + timedelta(minutes=minutes)
            await session.execute(update(User).where(User.id == user_id).values(timezone=zone))
            assert await award(
                session,
                user_id=user_id,
                source="quest",
                source_ref=f"{user.id}:{ref}",
                amount=amount,
                occurred_at=when,
            )
            day = when.astimezone(ZoneInfo(zone)).date()
            local_xp[day] = local_xp.get(day, 0) + amount
            await session.commit()
        await session.execute(update(User).where(User.id == user_id).values(timezone=final_zone))
        await session.commit()

    today = now.astimezone(ZoneInfo(final_zone)).date()
    want = reference_streak(set(local_xp), today)
    status = await get_json(client, "/api/xp/streak-status", user.headers)
    assert status["current_streak"] == want.current
    assert status["longest_streak"] == want.longest
    assert status["freezes_available"] == want.freezes_available
    assert status["freezes_used"] == want.freezes_used
    assert status["last_activity"] == want.last_activity.isoformat()  # type: ignore[union-attr]
    assert status["streak_at_risk"] == want.at_risk

    # Stored freeze markers plus the ones the read covers equal the reference's covered days.
    async with app.state.engine.connect() as connection:
        stored = (
            await connection.execute(
                text("SELECT day FROM xp_days WHERE user_id = :u AND freeze_used"),
                {"u": user_id.hex if app.state.engine.dialect.name == "sqlite" else user_id},
            )
        ).scalars()
        stored_days = {d if isinstance(d, date) else date.fromisoformat(d) for d in stored}
    week = await get_json(client, "/api/xp/weekly-activity", user.headers)
    week_days = {date.fromisoformat(d["date"]) for d in week["days"]}
    assert {date.fromisoformat(d) for d in week["freeze_covered_dates"]} == {
        d for d in want.covered if d in week_days
    }
    assert stored_days <= set(want.covered)

    # Every local day keeps exactly its XP; nothing lost or counted twice.
    pulse = await get_json(client, "/api/xp/learning-pulse", user.headers)
    shown = {date.fromisoformat(d["date"]): d["xp"] for d in pulse["days"] if d["xp"]}
    assert shown == {d: xp for d, xp in local_xp.items() if d <= today}
    profile = await get_json(client, "/api/xp/profile", user.headers)
    assert profile["total_xp"] == sum(local_xp.values())
