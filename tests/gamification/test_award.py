"""The ledger service: idempotency (also concurrent), rollups, levels, tokens, chat cap."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.conftest import scalar
from tests.gamification.conftest import Learner as AuthedUser
from tests.gamification.helpers import at, get_json, give
from xentree.gamification.service import award
from xentree.kit.time import clock


async def test_award_is_idempotent_on_source_and_ref(app: FastAPI, user: AuthedUser) -> None:
    clock.freeze(at("2026-03-10T12:00:00"))
    assert await give(app, user.id, 15, "2026-03-10T10:00:00", source_ref="task-1")
    assert not await give(app, user.id, 15, "2026-03-10T10:00:00", source_ref="task-1")
    # Same reference under another source is another award.
    assert await give(
        app, user.id, 15, "2026-03-10T10:00:00", source="xel_evaluation", source_ref="task-1"
    )
    # (30 XP may also complete one of the user's daily quests, whose reward is its own event.)
    assert await scalar(app, "SELECT count(*) FROM xp_events WHERE source <> 'quest'") == 2
    assert await scalar(app, "SELECT xp - xp_quest FROM xp_days") == 30
    quest_xp = await scalar(
        app, "SELECT coalesce(sum(xp), 0) FROM xp_events WHERE source = 'quest'"
    )
    assert await scalar(app, "SELECT total_xp FROM xp_accounts") == 30 + quest_xp  # type: ignore[operator]


async def test_concurrent_duplicates_award_once(app: FastAPI, user: AuthedUser) -> None:
    clock.freeze(at("2026-03-10T12:00:00"))

    async def one() -> bool:
        return await give(
            app, user.id, 7, "2026-03-10T11:00:00", source="live", source_ref="s-1", seconds=240
        )

    results = await asyncio.gather(*(one() for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]
    assert await scalar(app, "SELECT total_xp FROM xp_accounts") == 7
    assert await scalar(app, "SELECT seconds_live FROM xp_days") == 240
    assert await scalar(app, "SELECT count(*) FROM xp_events") == 1


async def test_award_in_a_rolled_back_transaction_leaves_nothing(
    app: FastAPI, user: AuthedUser
) -> None:
    async with app.state.sessionmaker() as session:
        assert await award(
            session,
            user_id=uuid.UUID(user.id),
            source="live",
            source_ref="rolled-back",
            amount=10,
            occurred_at=at("2026-03-10T11:00:00"),
        )
        await session.rollback()
    assert await scalar(app, "SELECT count(*) FROM xp_events") == 0
    assert await give(
        app, user.id, 10, "2026-03-10T11:00:00", source="live", source_ref="rolled-back"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"source": "bogus"}, "unknown XP source"),
        ({"source_ref": ""}, "source_ref"),
        ({"source_ref": "x" * 201}, "source_ref"),
        ({"amount": -1}, "negative"),
        ({"seconds": -5}, "negative"),
    ],
)
async def test_award_rejects_bad_calls(
    app: FastAPI, user: AuthedUser, kwargs: dict[str, object], message: str
) -> None:
    call: dict[str, object] = {
        "user_id": uuid.UUID(user.id),
        "source": "live",
        "source_ref": "r",
        "amount": 1,
        "occurred_at": at("2026-03-10T11:00:00"),
    }
    call.update(kwargs)
    async with app.state.sessionmaker() as session:
        with pytest.raises(ValueError, match=message):
            await award(session, **call)  # type: ignore[arg-type]


async def test_award_rejects_naive_time_and_unknown_user(app: FastAPI, user: AuthedUser) -> None:
    from datetime import datetime

    async with app.state.sessionmaker() as session:
        with pytest.raises(ValueError, match="timezone-aware"):
            await award(
                session,
                user_id=uuid.UUID(user.id),
                source="live",
                source_ref="n",
                amount=1,
                occurred_at=datetime(2026, 3, 10, 11),  # noqa: DTZ001 - naive on purpose
            )
        with pytest.raises(ValueError, match="unknown user"):
            await award(
                session,
                user_id=uuid.uuid4(),
                source="live",
                source_ref="n",
                amount=1,
                occurred_at=at("2026-03-10T11:00:00"),
            )


async def test_level_up_credits_tokens(app: FastAPI, user: AuthedUser) -> None:
    clock.freeze(at("2026-03-10T12:00:00"))
    # Quest-source XP settles no quests, so only level-ups move the token balance here.
    await give(app, user.id, 99, "2026-03-10T10:00:00", source="quest")
    assert await scalar(app, "SELECT token_balance FROM xp_accounts") == 0
    # 100 XP leaves level 1; 250 leaves level 2: one award crossing two levels credits both.
    await give(app, user.id, 151, "2026-03-10T10:05:00", source="quest")
    assert await scalar(app, "SELECT total_xp FROM xp_accounts") == 250
    assert await scalar(app, "SELECT token_balance FROM xp_accounts") == 10


async def test_chat_xp_capped_at_20_per_local_day(app: FastAPI, user: AuthedUser) -> None:
    clock.freeze(at("2026-03-10T23:00:00"))
    for i in range(25):
        await give(app, user.id, 1, f"2026-03-10T10:{i:02d}:00", source="chat", seconds=30)
    await give(app, user.id, 1, "2026-03-11T01:00:00", source="chat")
    assert await scalar(app, "SELECT xp_chat FROM xp_days WHERE day = '2026-03-10'") == 20
    assert await scalar(app, "SELECT chat_messages FROM xp_days WHERE day = '2026-03-10'") == 25
    assert (
        await scalar(app, "SELECT seconds_conversations FROM xp_days WHERE day = '2026-03-10'")
        == 750
    )
    assert await scalar(app, "SELECT xp FROM xp_days WHERE day = '2026-03-11'") == 1
    # The ledger keeps every message, with what was actually credited.
    assert await scalar(app, "SELECT count(*) FROM xp_events WHERE xp = 0") == 5


async def test_concurrent_first_awards_of_a_new_user_all_count(
    app: FastAPI, user: AuthedUser
) -> None:
    clock.freeze(at("2026-03-10T12:00:00"))
    results = await asyncio.gather(
        *(give(app, user.id, 1, "2026-03-10T11:00:00", source="quest") for _ in range(6))
    )
    assert results == [True] * 6
    assert await scalar(app, "SELECT count(*) FROM xp_accounts") == 1
    assert await scalar(app, "SELECT total_xp FROM xp_accounts") == 6
    assert await scalar(app, "SELECT xp FROM xp_days") == 6


async def test_reads_come_from_rollups_not_the_ledger(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    clock.freeze(at("2026-03-10T12:00:00"))
    for day in range(1, 10):
        await give(app, user.id, 5 * day, f"2026-03-{day:02d}T11:00:00", source="live", seconds=60)
    paths = [
        "/api/xp/profile",
        "/api/xp/streak-status",
        "/api/xp/weekly-activity",
        "/api/xp/learning-pulse",
        "/api/xp/quests",
        "/api/analytics/learning-time",
    ]
    before = [await get_json(client, path, user.headers) for path in paths]
    async with app.state.engine.begin() as connection:
        await connection.execute(text("DELETE FROM xp_events"))
    after = [await get_json(client, path, user.headers) for path in paths]
    assert before == after
    assert before[1]["current_streak"] == 9
