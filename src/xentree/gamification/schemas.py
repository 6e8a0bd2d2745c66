"""Response models of Profile & Analytics, named as the docs name them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from xentree.kit.schemas import ResponseModel

Weekday = Literal["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


class XPBooster(ResponseModel):
    multiplier: int = Field(description="XP multiplier applied to awards while active")
    ends_at: datetime


class XPBySource(ResponseModel):
    live: int
    xel: int
    chat: int
    quest: int


class XPProfileResponse(ResponseModel):
    user_id: uuid.UUID
    username: str
    level: int = Field(description="Current level (starts at 1)")
    total_xp: int
    xp_into_level: int = Field(description="XP earned since the current level started")
    xp_for_next_level: int = Field(description="XP the current level spans (start to next level)")
    progress_percent: float
    current_streak: int
    longest_streak: int
    today_xp: int
    today_xp_by_source: XPBySource
    booster: XPBooster | None
    token_balance: int


class PublicXPProfileResponse(ResponseModel):
    username: str
    display_name: str
    avatar_url: str | None
    level: int
    total_xp: int
    current_streak: int
    longest_streak: int
    member_since: date


class StreakStatusResponse(ResponseModel):
    current_streak: int
    longest_streak: int
    freezes_available: int = Field(description="Streak freezes held (at most 2)")
    freezes_used: int = Field(description="Streak freezes consumed so far")
    last_activity: date | None = Field(description="Last local day with XP")
    streak_at_risk: bool
    timezone: str


class WeeklyActivityDay(ResponseModel):
    date: date
    weekday: Weekday
    xp: int
    freeze_used: bool


class WeeklyActivityResponse(ResponseModel):
    week_start: date
    week_end: date
    timezone: str
    days: list[WeeklyActivityDay] = Field(description="Sunday to Saturday")
    total_xp: int
    freeze_covered_dates: list[date]


class LearningPulseDayEntry(ResponseModel):
    date: date
    xp: int
    minutes: int
    level: int = Field(ge=0, le=4)


class LearningPulseResponse(ResponseModel):
    start_date: date
    end_date: date
    timezone: str
    days: list[LearningPulseDayEntry] = Field(description="Exactly 365 days, oldest first")
    total_xp: int
    active_days: int
    thresholds: list[int] = Field(
        description="Upper XP bounds of levels 1-3 (quartiles of non-zero days) and the maximum"
    )


class QuestItem(ResponseModel):
    id: str
    title: str
    description: str
    metric: str
    target: int
    progress: int
    completed: bool
    reward_xp: int
    reward_tokens: int


class QuestsResponse(ResponseModel):
    date: date
    quests: list[QuestItem]
    all_completed: bool


class LearningTimeBySource(ResponseModel):
    live: int
    conversations: int
    xel: int


class LearningTimeDay(ResponseModel):
    date: date
    seconds: int
    by_source: LearningTimeBySource


class LearningTimeAnalyticsResponse(ResponseModel):
    start_date: date
    end_date: date
    timezone: str
    total_seconds: int
    by_source: LearningTimeBySource
    days: list[LearningTimeDay]
