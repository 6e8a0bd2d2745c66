"""The real Live feed: an ended session shows up in XP, quests, pulse and learning time."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.gamification.conftest import LearnerFactory
from tests.gamification.helpers import at, get_json
from xentree.kit.time import clock


async def test_an_ended_live_session_feeds_every_view(
    client: httpx.AsyncClient, app: FastAPI, user_factory: LearnerFactory
) -> None:
    clock.freeze(at("2026-05-05T22:00:00"))  # already May 6 in Tokyo
    user = await user_factory(timezone="Asia/Tokyo")
    started = await client.post(
        "/api/live/session/start", json={"session_type": "voice"}, headers=user.bearer
    )
    assert started.status_code in (200, 201), started.text
    session_id = started.json()["session_id"]
    for _ in range(3):
        clock.advance(60)
        beat = await client.post(
            "/api/live/session/heartbeat", json={"session_id": session_id}, headers=user.bearer
        )
        assert beat.status_code == 200, beat.text
    ended = await client.post(
        "/api/live/session/end", json={"session_id": session_id}, headers=user.bearer
    )
    assert ended.status_code == 200, ended.text
    billed = ended.json()["billed_seconds"]
    assert billed >= 180

    profile = await get_json(client, "/api/xp/profile", user.headers)
    assert profile["today_xp_by_source"]["live"] == 2 * (billed // 60)
    quests = await get_json(client, "/api/xp/quests", user.headers)
    assert quests["date"] == "2026-05-06"
    metrics = {"live_sessions": 1, "live_minutes": billed // 60, "learning_minutes": billed // 60}
    for quest in quests["quests"]:
        if quest["metric"] in metrics:
            assert quest["progress"] == min(metrics[quest["metric"]], quest["target"])
    pulse = await get_json(client, "/api/xp/learning-pulse", user.headers)
    assert pulse["days"][-1]["date"] == "2026-05-06"
    assert pulse["days"][-1]["minutes"] == billed // 60
    time = await get_json(client, "/api/analytics/learning-time", user.headers)
    assert time["by_source"] == {"live": billed, "conversations": 0, "xel": 0}
    assert time["days"][-1]["date"] == "2026-05-06"
