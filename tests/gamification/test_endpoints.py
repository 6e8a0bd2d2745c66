"""The seven Profile & Analytics endpoints: shapes, credentials, scopes, validation."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.auth import api_key_headers, make_api_key
from tests.gamification.conftest import Learner as AuthedUser
from tests.gamification.conftest import LearnerFactory as UserFactory
from tests.gamification.helpers import at, get_json, give
from xentree.kit.time import clock

XP_PATHS = [
    "/api/xp/profile",
    "/api/xp/streak-status",
    "/api/xp/weekly-activity",
    "/api/xp/learning-pulse",
    "/api/xp/quests",
]
ALL_PATHS = [*XP_PATHS, "/api/analytics/learning-time"]
PUBLIC_KEYS = {
    "username",
    "display_name",
    "avatar_url",
    "level",
    "total_xp",
    "current_streak",
    "longest_streak",
    "member_since",
}


@pytest.mark.parametrize("path", ALL_PATHS)
async def test_requires_credentials(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 401
    assert response.json()["detail"]["error"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"
    bad = await client.get(path, headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401


@pytest.mark.parametrize("path", ALL_PATHS)
async def test_bearer_token_reads_every_endpoint(
    client: httpx.AsyncClient, user: AuthedUser, path: str
) -> None:
    response = await client.get(path, headers=user.bearer)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", XP_PATHS)
async def test_xp_endpoints_need_xel_read(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser, path: str
) -> None:
    wrong = await make_api_key(app, user.id, ["conversations:read", "live:read"])
    response = await client.get(path, headers=api_key_headers(wrong))
    assert response.status_code == 403
    body = response.json()["detail"]
    assert body["error"] == "INSUFFICIENT_API_KEY_SCOPE"
    assert body["required_scope"] == "xel:read"
    right = await make_api_key(app, user.id, ["xel:read"])
    assert (await client.get(path, headers=api_key_headers(right))).status_code == 200
    admin = await make_api_key(app, user.id, ["api:admin"])
    assert (await client.get(path, headers=api_key_headers(admin))).status_code == 200


async def test_learning_time_needs_conversations_read(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    path = "/api/analytics/learning-time"
    wrong = await make_api_key(app, user.id, ["xel:read"])
    response = await client.get(path, headers=api_key_headers(wrong))
    assert response.status_code == 403
    assert response.json()["detail"]["required_scope"] == "conversations:read"
    right = await make_api_key(app, user.id, ["conversations:read"])
    assert (await client.get(path, headers=api_key_headers(right))).status_code == 200


async def test_api_key_acts_for_its_creator(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    clock.freeze(at("2026-05-05T12:00:00"))
    await give(app, user.id, 42, "2026-05-05T09:00:00", source="quest")
    key = await make_api_key(app, user.id, ["xel:read"])
    profile = await get_json(client, "/api/xp/profile", api_key_headers(key))
    assert profile["user_id"] == user.id
    assert profile["total_xp"] == 42


async def test_profile_of_a_new_user(client: httpx.AsyncClient, user: AuthedUser) -> None:
    profile = await get_json(client, "/api/xp/profile", user.headers)
    assert profile == {
        "user_id": user.id,
        "username": user.username,
        "level": 1,
        "total_xp": 0,
        "xp_into_level": 0,
        "xp_for_next_level": 100,
        "progress_percent": 0.0,
        "current_streak": 0,
        "longest_streak": 0,
        "today_xp": 0,
        "today_xp_by_source": {"live": 0, "xel": 0, "chat": 0, "quest": 0},
        "booster": None,
        "token_balance": 0,
    }


async def test_profile_after_awards(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    clock.freeze(at("2026-05-05T12:00:00"))
    await give(app, user.id, 100, "2026-05-04T09:00:00", source="quest")
    await give(app, user.id, 20, "2026-05-05T09:00:00", source="quest")
    await give(app, user.id, 30, "2026-05-05T10:00:00", source="quest")
    profile = await get_json(client, "/api/xp/profile", user.headers)
    assert profile["total_xp"] == 150
    assert profile["level"] == 2
    assert profile["xp_into_level"] == 50
    assert profile["xp_for_next_level"] == 150
    assert profile["progress_percent"] == pytest.approx(33.33)
    assert profile["today_xp"] == 50
    assert profile["today_xp_by_source"]["quest"] == 50
    assert profile["current_streak"] == 2
    assert profile["longest_streak"] == 2
    assert profile["token_balance"] == 5  # reaching level 2


async def test_public_profile_has_exactly_the_allowed_keys(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    clock.freeze(at("2026-05-05T12:00:00"))
    user = await user_factory(full_name="Ada Lovelace")
    await give(app, user.id, 260, "2026-05-05T09:00:00", source="quest")
    response = await client.get(f"/api/xp/public-profile/{user.username}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PUBLIC_KEYS
    assert body["username"] == user.username
    assert body["display_name"] == "Ada Lovelace"
    assert body["level"] == 3 and body["total_xp"] == 260
    assert body["current_streak"] == 1
    assert date.fromisoformat(body["member_since"])
    text = response.text
    assert user.email not in text and user.id not in text
    # Case-insensitive handle.
    upper = await client.get(f"/api/xp/public-profile/{user.username.upper()}")
    assert upper.status_code == 200


async def test_public_profile_unknown_or_hidden_is_404(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    missing = await client.get("/api/xp/public-profile/nobody-here")
    assert missing.status_code == 404
    assert missing.json()["detail"]["error"] == "not_found"
    hide = await client.patch("/api/auth/me", headers=user.bearer, json={"public_profile": False})
    assert hide.status_code == 200, hide.text
    hidden = await client.get(f"/api/xp/public-profile/{user.username}")
    assert hidden.status_code == 404
    assert hidden.json() == missing.json()
    show = await client.patch("/api/auth/me", headers=user.bearer, json={"public_profile": True})
    assert show.status_code == 200
    assert (await client.get(f"/api/xp/public-profile/{user.username}")).status_code == 200


async def test_public_profile_over_long_username_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/xp/public-profile/" + "a" * 33)
    assert response.status_code == 400
    assert response.json()["detail"]["error"] == "validation_error"


async def test_streak_status_shape(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    clock.freeze(at("2026-05-05T12:00:00"))
    user = await user_factory(timezone="Europe/Paris")
    empty = await get_json(client, "/api/xp/streak-status", user.headers)
    assert empty == {
        "current_streak": 0,
        "longest_streak": 0,
        "freezes_available": 0,
        "freezes_used": 0,
        "last_activity": None,
        "streak_at_risk": False,
        "timezone": "Europe/Paris",
    }
    await give(app, user.id, 10, "2026-05-04T09:00:00", source="quest")
    status = await get_json(client, "/api/xp/streak-status", user.headers)
    assert status["current_streak"] == 1
    assert status["last_activity"] == "2026-05-04"
    assert status["streak_at_risk"] is True
    await give(app, user.id, 10, "2026-05-05T09:00:00", source="quest")
    status = await get_json(client, "/api/xp/streak-status", user.headers)
    assert status["current_streak"] == 2 and status["streak_at_risk"] is False


async def test_weekly_activity_is_sunday_to_saturday(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    clock.freeze(at("2026-05-06T12:00:00"))  # a Wednesday
    await give(app, user.id, 5, "2026-05-02T12:00:00", source="quest")  # previous Saturday
    await give(app, user.id, 7, "2026-05-03T12:00:00", source="quest")  # Sunday
    await give(app, user.id, 9, "2026-05-06T08:00:00", source="quest")
    week = await get_json(client, "/api/xp/weekly-activity", user.headers)
    assert week["week_start"] == "2026-05-03" and week["week_end"] == "2026-05-09"
    assert week["timezone"] == "UTC"
    assert [d["weekday"] for d in week["days"]] == [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ]
    assert [d["xp"] for d in week["days"]] == [7, 0, 0, 9, 0, 0, 0]
    assert week["total_xp"] == 16
    assert week["freeze_covered_dates"] == []


async def test_weekly_activity_reports_freeze_covered_dates(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    # 7 days in a row (Apr 26 - May 2) earn a freeze; May 3 (Sunday) is missed, May 4 active.
    clock.freeze(at("2026-05-05T12:00:00"))
    for i in range(7):
        await give(app, user.id, 5, at("2026-04-26T12:00:00") + timedelta(days=i), source="quest")
    await give(app, user.id, 5, "2026-05-04T12:00:00", source="quest")
    week = await get_json(client, "/api/xp/weekly-activity", user.headers)
    assert week["freeze_covered_dates"] == ["2026-05-03"]
    assert week["days"][0]["freeze_used"] is True
    status = await get_json(client, "/api/xp/streak-status", user.headers)
    assert status["current_streak"] == 8
    assert status["freezes_used"] == 1 and status["freezes_available"] == 0


async def test_freeze_applied_automatically_to_yesterday(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    # Without any new event, a missed yesterday is covered on read (not stored yet).
    clock.freeze(at("2026-05-05T12:00:00"))
    for i in range(7):
        await give(app, user.id, 5, at("2026-04-27T12:00:00") + timedelta(days=i), source="quest")
    status = await get_json(client, "/api/xp/streak-status", user.headers)
    assert status["current_streak"] == 7
    assert status["freezes_available"] == 0 and status["freezes_used"] == 1
    assert status["streak_at_risk"] is True
    week = await get_json(client, "/api/xp/weekly-activity", user.headers)
    assert week["freeze_covered_dates"] == ["2026-05-04"]
    # A day later without activity the streak is gone.
    clock.advance(86400)
    status = await get_json(client, "/api/xp/streak-status", user.headers)
    assert status["current_streak"] == 0 and status["longest_streak"] == 7


async def test_learning_pulse_is_365_days_ending_today(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    clock.freeze(at("2026-05-05T02:00:00"))  # still May 4 in New York
    user = await user_factory(timezone="America/New_York")
    values = [10, 20, 30, 40, 50, 60, 70, 80]
    for i, xp in enumerate(values):
        await give(
            app,
            user.id,
            xp,
            at("2026-04-20T16:00:00") + timedelta(days=i),
            source="live",
            source_ref=f"pulse-{i}",
            seconds=xp * 30,
        )
    await give(app, user.id, 999, "2025-05-04T16:00:00", source="quest")  # 366 days ago: outside
    pulse = await get_json(client, "/api/xp/learning-pulse", user.headers)
    assert len(pulse["days"]) == 365
    assert pulse["end_date"] == "2026-05-04" and pulse["start_date"] == "2025-05-05"
    assert pulse["days"][0]["date"] == "2025-05-05" and pulse["days"][-1]["date"] == "2026-05-04"
    dates = [date.fromisoformat(d["date"]) for d in pulse["days"]]
    assert all(b - a == timedelta(days=1) for a, b in itertools.pairwise(dates))
    assert pulse["timezone"] == "America/New_York"
    live_xp = [d["xp"] for d in pulse["days"] if d["xp"]]
    assert pulse["active_days"] == 8
    assert pulse["total_xp"] == sum(live_xp)
    # Quest rewards may have added XP on some days; thresholds follow the actual values.
    thresholds = pulse["thresholds"]
    assert len(thresholds) == 4 and thresholds == sorted(thresholds)
    assert thresholds[3] == max(live_xp)
    for day in pulse["days"]:
        expected = (
            0
            if day["xp"] == 0
            else 1
            if day["xp"] <= thresholds[0]
            else 2
            if day["xp"] <= thresholds[1]
            else 3
            if day["xp"] <= thresholds[2]
            else 4
        )
        assert day["level"] == expected
    first = next(d for d in pulse["days"] if d["date"] == "2026-04-20")
    assert first["minutes"] == 5  # 300 seconds


async def test_learning_pulse_levels_by_quartiles(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    # Quest-source XP completes no quests, so the day values are exactly these.
    clock.freeze(at("2026-05-05T12:00:00"))
    values = [80, 10, 60, 30, 20, 70, 40, 50]
    for i, xp in enumerate(values):
        await give(app, user.id, xp, at("2026-04-01T12:00:00") + timedelta(days=i), source="quest")
    pulse = await get_json(client, "/api/xp/learning-pulse", user.headers)
    assert pulse["thresholds"] == [20, 40, 60, 80]
    levels = {d["date"]: d["level"] for d in pulse["days"] if d["xp"]}
    assert list(levels.values()) == [4, 1, 3, 2, 1, 4, 2, 3]
    assert sum(1 for d in pulse["days"] if d["level"] == 0) == 365 - 8
    assert pulse["total_xp"] == 360 and pulse["active_days"] == 8


async def test_learning_time_defaults_to_30_days(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    clock.freeze(at("2026-05-05T12:00:00"))
    await give(app, user.id, 4, "2026-05-05T09:00:00", source="live", seconds=125)
    await give(app, user.id, 1, "2026-05-05T09:10:00", source="chat", seconds=40)
    await give(app, user.id, 15, "2026-05-04T09:00:00", source="xel_task", seconds=300)
    await give(app, user.id, 15, "2026-05-04T10:00:00", source="xel_evaluation", seconds=200)
    await give(app, user.id, 15, "2026-04-01T10:00:00", source="xel_evaluation", seconds=999)
    body = await get_json(client, "/api/analytics/learning-time", user.headers)
    assert body["start_date"] == "2026-04-06" and body["end_date"] == "2026-05-05"
    assert body["timezone"] == "UTC"
    assert len(body["days"]) == 30
    assert body["total_seconds"] == 665
    assert body["by_source"] == {"live": 125, "conversations": 40, "xel": 500}
    assert body["days"][-1] == {
        "date": "2026-05-05",
        "seconds": 165,
        "by_source": {"live": 125, "conversations": 40, "xel": 0},
    }
    assert body["days"][-2]["by_source"]["xel"] == 500


async def test_learning_time_range(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    clock.freeze(at("2026-05-05T12:00:00"))
    await give(app, user.id, 15, "2026-04-01T10:00:00", source="xel_evaluation", seconds=999)
    body = await get_json(
        client,
        "/api/analytics/learning-time",
        user.headers,
        start_date="2026-04-01",
        end_date="2026-04-02",
    )
    assert [d["date"] for d in body["days"]] == ["2026-04-01", "2026-04-02"]
    assert body["total_seconds"] == 999
    full = await get_json(
        client,
        "/api/analytics/learning-time",
        user.headers,
        start_date="2025-05-05",
        end_date="2026-05-05",
    )
    assert len(full["days"]) == 366
    only_start = await get_json(
        client, "/api/analytics/learning-time", user.headers, start_date="2026-03-20"
    )
    assert only_start["end_date"] == "2026-04-18"


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-05-05", "end_date": "2026-05-04"},
        {"start_date": "2025-05-04", "end_date": "2026-05-05"},  # 367 days
        {"start_date": "yesterday"},
        {"end_date": "2026-13-01"},
        {"start_date": "2026-02-30"},
        {"start_date": "9999-12-31"},
        {"end_date": "0001-01-02"},
    ],
)
async def test_learning_time_rejects_bad_ranges(
    client: httpx.AsyncClient, user: AuthedUser, params: dict[str, str]
) -> None:
    response = await client.get("/api/analytics/learning-time", headers=user.headers, params=params)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail["error"] == "validation_error"
    assert detail["fields"]


async def test_openapi_summaries_and_schema_names(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    summaries = {
        "/api/xp/profile": "Get my XP profile",
        "/api/xp/public-profile/{username}": "Get a user's public profile",
        "/api/xp/streak-status": "Get streak status",
        "/api/xp/weekly-activity": "Get weekly XP activity",
        "/api/xp/learning-pulse": "Get learning pulse (365-day heatmap)",
        "/api/xp/quests": "Get daily quests",
        "/api/analytics/learning-time": "Get learning time analytics",
    }
    for path, summary in summaries.items():
        assert spec["paths"][path]["get"]["summary"] == summary
        assert spec["paths"][path]["get"]["description"]
    schemas = set(spec["components"]["schemas"])
    assert {
        "XPProfileResponse",
        "PublicXPProfileResponse",
        "StreakStatusResponse",
        "WeeklyActivityResponse",
        "LearningPulseResponse",
        "LearningPulseDayEntry",
        "QuestsResponse",
        "QuestItem",
        "LearningTimeAnalyticsResponse",
    } <= schemas
    assert "security" not in spec["paths"]["/api/xp/public-profile/{username}"]["get"]
