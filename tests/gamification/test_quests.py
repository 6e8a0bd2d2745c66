"""Daily quests: deterministic choice, progress from rollups, rewards once, the 2x booster."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import httpx
from fastapi import FastAPI

from tests.conftest import scalar
from tests.gamification.conftest import Learner as AuthedUser
from tests.gamification.helpers import at, get_json, give
from xentree.gamification import engine
from xentree.kit.time import clock


async def complete_everything(app: FastAPI, user_id: str, when: datetime, tag: str = "") -> None:
    """Activity that meets every template of the catalogue on the local day of `when`."""
    for i in range(2):
        await give(app, user_id, 30, when, source="live", source_ref=f"{tag}live-{i}", seconds=900)
    for i in range(6):
        await give(app, user_id, 20, when, source="xel_task", source_ref=f"{tag}task-{i}")
    await give(app, user_id, 15, when, source="xel_evaluation", source_ref=f"{tag}eval")
    for i in range(15):
        await give(app, user_id, 1, when, source="chat", source_ref=f"{tag}chat-{i}")


async def test_three_quests_chosen_deterministically(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    clock.freeze(at("2026-05-05T12:00:00"))
    first = await get_json(client, "/api/xp/quests", user.headers)
    again = await get_json(client, "/api/xp/quests", user.headers)
    assert first == again
    assert first["date"] == "2026-05-05"
    assert len(first["quests"]) == 3
    expected = [
        engine.QUEST_CATALOGUE[i].id
        for i in engine.daily_quests(uuid.UUID(user.id), date(2026, 5, 5))
    ]
    assert [q["id"] for q in first["quests"]] == expected
    assert first["all_completed"] is False
    for quest in first["quests"]:
        assert set(quest) == {
            "id",
            "title",
            "description",
            "metric",
            "target",
            "progress",
            "completed",
            "reward_xp",
            "reward_tokens",
        }
        assert quest["progress"] == 0 and quest["completed"] is False
    clock.advance(86400)
    tomorrow = await get_json(client, "/api/xp/quests", user.headers)
    assert tomorrow["date"] == "2026-05-06"


async def test_progress_comes_from_the_day_rollup(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    clock.freeze(at("2026-05-05T12:00:00"))
    await give(app, user.id, 1, "2026-05-05T09:00:00", source="chat", seconds=90)
    await give(app, user.id, 4, "2026-05-05T09:10:00", source="live", seconds=5 * 60 + 10)
    metrics = {
        "xp_earned": 5,
        "live_minutes": 5,
        "live_sessions": 1,
        "tasks_completed": 0,
        "perfect_scores": 0,
        "evaluations": 0,
        "chat_messages": 1,
        "learning_minutes": 6,
        "activity_kinds": 2,
    }
    assert {q.metric for q in engine.QUEST_CATALOGUE} == set(metrics)
    body = await get_json(client, "/api/xp/quests", user.headers)
    for quest in body["quests"]:
        value = metrics[quest["metric"]]
        assert quest["progress"] == min(value, quest["target"])
        assert quest["completed"] == (value >= quest["target"])


async def test_rewards_credited_once_and_booster_granted(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    clock.freeze(at("2026-05-05T12:00:00"))
    await complete_everything(app, user.id, at("2026-05-05T11:00:00"))
    body = await get_json(client, "/api/xp/quests", user.headers)
    assert body["all_completed"] is True
    assert all(q["completed"] and q["progress"] == q["target"] for q in body["quests"])
    rewards_xp = sum(q["reward_xp"] for q in body["quests"])
    rewards_tokens = sum(q["reward_tokens"] for q in body["quests"])
    assert await scalar(app, "SELECT count(*) FROM xp_events WHERE source = 'quest'") == 3
    assert await scalar(app, "SELECT sum(xp) FROM xp_events WHERE source = 'quest'") == rewards_xp
    profile = await get_json(client, "/api/xp/profile", user.headers)
    activity_xp = 2 * 30 + 6 * 20 + 15 + 15
    assert profile["today_xp_by_source"]["quest"] == rewards_xp
    assert profile["total_xp"] == activity_xp + rewards_xp
    level_tokens = (engine.level_for(profile["total_xp"]) - 1) * engine.LEVEL_UP_TOKENS
    assert profile["token_balance"] == rewards_tokens + level_tokens
    assert profile["booster"] == {"multiplier": 2, "ends_at": "2026-05-05T12:15:00Z"}
    # More activity and redelivered events credit nothing again.
    await complete_everything(app, user.id, at("2026-05-05T11:30:00"), tag="again-")
    await complete_everything(app, user.id, at("2026-05-05T11:00:00"))
    assert await scalar(app, "SELECT count(*) FROM xp_events WHERE source = 'quest'") == 3
    after = await get_json(client, "/api/xp/profile", user.headers)
    assert after["token_balance"] >= profile["token_balance"]
    assert after["today_xp_by_source"]["quest"] == rewards_xp
    clock.advance(15 * 60)
    assert (await get_json(client, "/api/xp/profile", user.headers))["booster"] is None


async def test_booster_doubles_xp_for_fifteen_minutes(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    clock.freeze(at("2026-05-05T12:00:00"))
    await complete_everything(app, user.id, at("2026-05-05T11:00:00"))
    await give(app, user.id, 10, "2026-05-05T12:05:00", source="live", source_ref="boosted")
    await give(app, user.id, 10, "2026-05-05T12:15:00", source="live", source_ref="after")
    await give(app, user.id, 10, "2026-05-05T11:59:59", source="live", source_ref="before")
    assert await scalar(app, "SELECT xp FROM xp_events WHERE source_ref = 'boosted'") == 20
    assert await scalar(app, "SELECT multiplier FROM xp_events WHERE source_ref = 'boosted'") == 2
    assert await scalar(app, "SELECT xp FROM xp_events WHERE source_ref = 'after'") == 10
    assert await scalar(app, "SELECT xp FROM xp_events WHERE source_ref = 'before'") == 10


async def test_late_completion_of_a_past_day_rewards_without_booster(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    clock.freeze(at("2026-05-06T12:00:00"))
    await complete_everything(app, user.id, at("2026-05-05T11:00:00"))
    assert await scalar(app, "SELECT count(*) FROM xp_events WHERE source = 'quest'") == 3
    assert (
        await scalar(
            app,
            "SELECT count(*) FROM xp_events WHERE source = 'quest' AND local_date = '2026-05-05'",
        )
        == 3
    )
    profile = await get_json(client, "/api/xp/profile", user.headers)
    assert profile["booster"] is None
    today = await get_json(client, "/api/xp/quests", user.headers)
    assert today["all_completed"] is False


async def test_quest_day_follows_the_event_local_day(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    clock.freeze(at("2026-05-05T12:00:00"))
    await complete_everything(app, user.id, at("2026-05-04T23:59:00"))
    today = await get_json(client, "/api/xp/quests", user.headers)
    assert not any(q["completed"] for q in today["quests"])
    assert await scalar(app, "SELECT quests_claimed FROM xp_days WHERE day = '2026-05-04'") != 0
    yesterday_ids = engine.daily_quests(uuid.UUID(user.id), date(2026, 5, 4))
    claimed = await scalar(app, "SELECT quests_claimed FROM xp_days WHERE day = '2026-05-04'")
    assert claimed == sum(1 << i for i in yesterday_ids)
