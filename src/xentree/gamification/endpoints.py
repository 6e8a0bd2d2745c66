"""Profile & Analytics routes: `router` is mounted at /api/xp, `analytics_router` at /api/analytics."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from xentree.gamification import service
from xentree.gamification.auth import LearningTimeRead, XPRead
from xentree.gamification.schemas import (
    LearningPulseResponse,
    LearningTimeAnalyticsResponse,
    PublicXPProfileResponse,
    QuestsResponse,
    StreakStatusResponse,
    WeeklyActivityResponse,
    XPProfileResponse,
)
from xentree.kit.dependencies import DbSession

router = APIRouter(tags=["Profile & Analytics"])
analytics_router = APIRouter(tags=["Profile & Analytics"])


@router.get("/profile", summary="Get my XP profile", response_model=XPProfileResponse)
async def get_profile(caller: XPRead, session: DbSession) -> XPProfileResponse:
    """Level, XP progress, streaks, today's XP, the active booster and the token balance."""
    return await service.get_profile(session, caller.required_user)


@router.get(
    "/public-profile/{username}",
    summary="Get a user's public profile",
    response_model=PublicXPProfileResponse,
)
async def get_public_profile(
    username: Annotated[str, Path(min_length=1, max_length=32)], session: DbSession
) -> PublicXPProfileResponse:
    """A learner card without email, ids or tokens; 404 when unknown or hidden."""
    return await service.get_public_profile(session, username)


@router.get("/streak-status", summary="Get streak status", response_model=StreakStatusResponse)
async def get_streak_status(caller: XPRead, session: DbSession) -> StreakStatusResponse:
    """Current and longest streak, freezes held and used, and whether today's streak is at risk."""
    return await service.get_streak_status(session, caller.required_user)


@router.get(
    "/weekly-activity", summary="Get weekly XP activity", response_model=WeeklyActivityResponse
)
async def get_weekly_activity(caller: XPRead, session: DbSession) -> WeeklyActivityResponse:
    """XP per day of the current Sunday-Saturday week in the user's timezone."""
    return await service.get_weekly_activity(session, caller.required_user)


@router.get(
    "/learning-pulse",
    summary="Get learning pulse (365-day heatmap)",
    response_model=LearningPulseResponse,
)
async def get_learning_pulse(caller: XPRead, session: DbSession) -> LearningPulseResponse:
    """The 365 local days ending today with XP, minutes and a 0-4 intensity level each."""
    return await service.get_learning_pulse(session, caller.required_user)


@router.get("/quests", summary="Get daily quests", response_model=QuestsResponse)
async def get_quests(caller: XPRead, session: DbSession) -> QuestsResponse:
    """Today's three quests with their progress; rewards are credited when a quest completes."""
    return await service.get_quests(session, caller.required_user)


@analytics_router.get(
    "/learning-time",
    summary="Get learning time analytics",
    response_model=LearningTimeAnalyticsResponse,
)
async def get_learning_time(
    caller: LearningTimeRead,
    session: DbSession,
    start_date: Annotated[date | None, Query(description="First local day (YYYY-MM-DD)")] = None,
    end_date: Annotated[date | None, Query(description="Last local day (YYYY-MM-DD)")] = None,
) -> LearningTimeAnalyticsResponse:
    """Learning seconds per local day and source; defaults to the last 30 days, at most 366."""
    return await service.get_learning_time(session, caller.required_user, start_date, end_date)
