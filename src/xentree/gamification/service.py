"""The XP ledger service: `award()` is the one way XP, learning time and tokens change.

Every domain (Live when a session ends, XEL tasks and evaluations, chat) calls `award()` inside
its own transaction; it never commits. It is idempotent on (source, source_ref): the ledger's
unique constraint with `INSERT ... ON CONFLICT DO NOTHING` decides, so a retry or a concurrent
duplicate returns False and changes nothing. The user's `xp_accounts` row is locked first, which
serialises awards of one user, so the daily rollup, streak state, quests, booster and level-up
tokens are maintained in the same transaction without races.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from xentree.gamification import engine, repository
from xentree.gamification.exceptions import InvalidDateRange, ProfileNotFound
from xentree.gamification.schemas import (
    LearningPulseDayEntry,
    LearningPulseResponse,
    LearningTimeAnalyticsResponse,
    LearningTimeBySource,
    LearningTimeDay,
    PublicXPProfileResponse,
    QuestItem,
    QuestsResponse,
    StreakStatusResponse,
    Weekday,
    WeeklyActivityDay,
    WeeklyActivityResponse,
    XPBooster,
    XPBySource,
    XPProfileResponse,
)
from xentree.kit.time import utcnow
from xentree.models import User, XpAccount, XpDay

SOURCES = frozenset({"live", "xel_task", "xel_evaluation", "chat", "quest"})
CHAT_DAILY_XP_CAP = 20  # contract §8: chat messages give 1 XP, at most 20 per day
PERFECT_TASK_XP = 20  # an XEL task awards 10 + score/10, so a perfect score (100) is 20 XP


def local_today(timezone: str) -> date:
    return utcnow().astimezone(ZoneInfo(timezone)).date()


async def award(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    source: str,
    source_ref: str,
    amount: int,
    occurred_at: datetime,
    seconds: int = 0,
) -> bool:
    """Credit `amount` XP (and `seconds` of learning time) once per (source, source_ref).

    Returns False when that reference was already recorded. Raises ValueError on a bad call.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown XP source {source!r}")
    if not source_ref or len(source_ref) > 200:
        raise ValueError("source_ref must be 1-200 characters")
    if amount < 0 or seconds < 0:
        raise ValueError("amount and seconds cannot be negative")
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    user = await session.get(User, user_id)
    if user is None:
        raise ValueError(f"unknown user {user_id}")
    account = await repository.lock_account(session, user_id)
    timezone = user.timezone
    local_date = occurred_at.astimezone(ZoneInfo(timezone)).date()
    # Re-read under the lock: the caller's session may hold an older copy of the row.
    day = await session.get(XpDay, (user_id, local_date), populate_existing=True)
    credited = await _credit(
        session,
        account,
        day,
        source=source,
        source_ref=source_ref,
        amount=amount,
        seconds=seconds,
        occurred_at=occurred_at,
        local_date=local_date,
        timezone=timezone,
    )
    if credited is None:
        return False
    if source != "quest":
        await _settle_quests(session, account, credited, occurred_at, timezone)
    await session.flush()
    return True


def _new_day(user_id: uuid.UUID, day: date) -> XpDay:
    return XpDay(
        user_id=user_id,
        day=day,
        xp=0,
        xp_live=0,
        xp_xel=0,
        xp_chat=0,
        xp_quest=0,
        seconds_live=0,
        seconds_conversations=0,
        seconds_xel=0,
        events=0,
        live_sessions=0,
        tasks_completed=0,
        perfect_scores=0,
        evaluations=0,
        chat_messages=0,
        quests_claimed=0,
        freeze_used=False,
    )


async def _credit(
    session: AsyncSession,
    account: XpAccount,
    day: XpDay | None,
    *,
    source: str,
    source_ref: str,
    amount: int,
    seconds: int,
    occurred_at: datetime,
    local_date: date,
    timezone: str,
) -> XpDay | None:
    """Record one ledger event and fold it into the rollup and the account; None if a duplicate."""
    multiplier = 1
    if (
        source != "quest"
        and account.booster_multiplier
        and account.booster_starts_at is not None
        and account.booster_ends_at is not None
        and account.booster_starts_at <= occurred_at < account.booster_ends_at
    ):
        multiplier = account.booster_multiplier
    xp = amount * multiplier
    if source == "chat":
        xp = min(xp, max(0, CHAT_DAILY_XP_CAP - (day.xp_chat if day is not None else 0)))
    recorded = await repository.insert_event(
        session,
        user_id=account.user_id,
        source=source,
        source_ref=source_ref,
        amount=amount,
        multiplier=multiplier,
        xp=xp,
        seconds=seconds,
        occurred_at=occurred_at,
        local_date=local_date,
        timezone=timezone,
    )
    if not recorded:
        return None

    if day is None:
        day = _new_day(account.user_id, local_date)
        session.add(day)
    was_active = day.xp > 0
    day.xp += xp
    day.events += 1
    if source == "live":
        day.xp_live += xp
        day.seconds_live += seconds
        day.live_sessions += 1
    elif source in ("xel_task", "xel_evaluation"):
        day.xp_xel += xp
        day.seconds_xel += seconds
        if source == "xel_task":
            day.tasks_completed += 1
            if amount >= PERFECT_TASK_XP:
                day.perfect_scores += 1
        else:
            day.evaluations += 1
    elif source == "chat":
        day.xp_chat += xp
        day.seconds_conversations += seconds
        day.chat_messages += 1
    else:
        day.xp_quest += xp

    old_level = engine.level_for(account.total_xp)
    account.total_xp += xp
    new_level = engine.level_for(account.total_xp)
    if new_level > old_level:
        account.token_balance += (new_level - old_level) * engine.LEVEL_UP_TOKENS

    if xp > 0 and not was_active:
        await _activate_day(session, account, day)
    account.updated_at = utcnow()
    return day


def _state(account: XpAccount) -> engine.StreakState:
    return engine.StreakState(
        current=account.streak_current,
        longest=account.streak_longest,
        freezes_held=account.freezes_held,
        freezes_used=account.freezes_used,
        last_active=account.last_active_date,
    )


def _store_state(account: XpAccount, state: engine.StreakState) -> None:
    account.streak_current = state.current
    account.streak_longest = state.longest
    account.freezes_held = state.freezes_held
    account.freezes_used = state.freezes_used
    account.last_active_date = state.last_active


async def _activate_day(session: AsyncSession, account: XpAccount, day: XpDay) -> None:
    """A day got its first XP: move the streak state, marking the days freezes covered."""
    user_id = account.user_id
    day.freeze_used = False
    if account.last_active_date is None or day.day > account.last_active_date:
        # In order (the common case): fold just this day in.
        state, covered = engine.step_active(_state(account), day.day)
        _store_state(account, state)
        await _mark_covered(session, user_id, covered)
        return
    # A late event for a day before the last active one: replay the whole history (rare).
    await session.flush()
    state, covered = engine.replay(await repository.active_days(session, user_id))
    _store_state(account, state)
    await repository.clear_freeze_markers(session, user_id)
    await _mark_covered(session, user_id, covered)


async def _mark_covered(session: AsyncSession, user_id: uuid.UUID, days: list[date]) -> None:
    if not days:
        return
    existing = {row.day: row for row in await repository.get_days_in(session, user_id, days)}
    for covered in days:
        row = existing.get(covered)
        if row is None:
            row = _new_day(user_id, covered)
            session.add(row)
        row.freeze_used = True


def quest_metrics(day: XpDay | None) -> dict[str, int]:
    """The values quest templates measure, from one daily rollup row."""
    if day is None:
        return dict.fromkeys(_METRICS, 0)
    return {
        "xp_earned": day.xp - day.xp_quest,
        "live_minutes": day.seconds_live // 60,
        "live_sessions": day.live_sessions,
        "tasks_completed": day.tasks_completed,
        "perfect_scores": day.perfect_scores,
        "evaluations": day.evaluations,
        "chat_messages": day.chat_messages,
        "learning_minutes": (day.seconds_live + day.seconds_conversations + day.seconds_xel) // 60,
        "activity_kinds": sum(1 for xp in (day.xp_live, day.xp_xel, day.xp_chat) if xp > 0),
    }


_METRICS = (
    "xp_earned",
    "live_minutes",
    "live_sessions",
    "tasks_completed",
    "perfect_scores",
    "evaluations",
    "chat_messages",
    "learning_minutes",
    "activity_kinds",
)


async def _settle_quests(
    session: AsyncSession,
    account: XpAccount,
    day: XpDay,
    occurred_at: datetime,
    timezone: str,
) -> None:
    """Credit the rewards of the day's quests completed by this event (once: a claimed bit)."""
    chosen = engine.daily_quests(account.user_id, day.day)
    metrics = quest_metrics(day)
    newly_all_done = False
    for index in chosen:
        bit = 1 << index
        quest = engine.QUEST_CATALOGUE[index]
        if day.quests_claimed & bit or metrics[quest.metric] < quest.target:
            continue
        day.quests_claimed |= bit
        await _credit(
            session,
            account,
            day,
            source="quest",
            source_ref=f"{account.user_id}:{day.day.isoformat()}:{quest.id}",
            amount=quest.reward_xp,
            seconds=0,
            occurred_at=occurred_at,
            local_date=day.day,
            timezone=timezone,
        )
        account.token_balance += quest.reward_tokens
        newly_all_done = all(day.quests_claimed & (1 << i) for i in chosen)
    # The 2x booster is for completing today's set, not a past day's through a late event.
    if newly_all_done and day.day == local_today(timezone):
        now = utcnow()
        account.booster_multiplier = engine.BOOSTER_MULTIPLIER
        account.booster_starts_at = now
        account.booster_ends_at = now + timedelta(seconds=engine.BOOSTER_SECONDS)


# ---------------------------------------------------------------------------------------------
# Reads: one account row plus a bounded range of daily rollups each; never the ledger.

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30
PULSE_DAYS = 365
_WEEKDAYS: tuple[Weekday, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)


def _streak_view(account: XpAccount | None, today: date) -> engine.StreakView:
    if account is None:
        return engine.StreakView(engine.StreakState())
    return engine.view(_state(account), today)


async def get_profile(session: AsyncSession, user: User) -> XPProfileResponse:
    today = local_today(user.timezone)
    account = await repository.get_account(session, user.id)
    day = await repository.get_day(session, user.id, today)
    total_xp = account.total_xp if account else 0
    progress = engine.level_progress(total_xp)
    streak = _streak_view(account, today).state
    booster = None
    if (
        account is not None
        and account.booster_multiplier
        and account.booster_ends_at is not None
        and account.booster_ends_at > utcnow()
    ):
        booster = XPBooster(multiplier=account.booster_multiplier, ends_at=account.booster_ends_at)
    return XPProfileResponse(
        user_id=user.id,
        username=user.username,
        level=progress.level,
        total_xp=total_xp,
        xp_into_level=progress.xp_into_level,
        xp_for_next_level=progress.xp_for_next_level,
        progress_percent=progress.progress_percent,
        current_streak=streak.current,
        longest_streak=streak.longest,
        today_xp=day.xp if day else 0,
        today_xp_by_source=XPBySource(
            live=day.xp_live if day else 0,
            xel=day.xp_xel if day else 0,
            chat=day.xp_chat if day else 0,
            quest=day.xp_quest if day else 0,
        ),
        booster=booster,
        token_balance=account.token_balance if account else 0,
    )


async def get_public_profile(session: AsyncSession, username: str) -> PublicXPProfileResponse:
    user = await repository.find_user_by_username(session, username)
    # A hidden profile is indistinguishable from an unknown username.
    if user is None or not user.public_profile:
        raise ProfileNotFound()
    account = await repository.get_account(session, user.id)
    total_xp = account.total_xp if account else 0
    streak = _streak_view(account, local_today(user.timezone)).state
    return PublicXPProfileResponse(
        username=user.username,
        display_name=user.full_name or user.username,
        avatar_url=user.avatar_url,
        level=engine.level_for(total_xp),
        total_xp=total_xp,
        current_streak=streak.current,
        longest_streak=streak.longest,
        member_since=user.created_at.astimezone(ZoneInfo(user.timezone)).date(),
    )


async def get_streak_status(session: AsyncSession, user: User) -> StreakStatusResponse:
    account = await repository.get_account(session, user.id)
    seen = _streak_view(account, local_today(user.timezone))
    return StreakStatusResponse(
        current_streak=seen.state.current,
        longest_streak=seen.state.longest,
        freezes_available=seen.state.freezes_held,
        freezes_used=seen.state.freezes_used,
        last_activity=seen.state.last_active,
        streak_at_risk=seen.at_risk,
        timezone=user.timezone,
    )


async def get_weekly_activity(session: AsyncSession, user: User) -> WeeklyActivityResponse:
    today = local_today(user.timezone)
    week_start = today - timedelta(days=(today.weekday() + 1) % 7)
    week_end = week_start + timedelta(days=6)
    account = await repository.get_account(session, user.id)
    rows = {
        row.day: row for row in await repository.get_days(session, user.id, week_start, week_end)
    }
    # Stored markers cover days up to the last active one; the view covers the gap since then.
    pending = set(_streak_view(account, today).covered)
    days: list[WeeklyActivityDay] = []
    for offset in range(7):
        current = week_start + timedelta(days=offset)
        row = rows.get(current)
        frozen = (row is not None and row.freeze_used) or current in pending
        days.append(
            WeeklyActivityDay(
                date=current,
                weekday=_WEEKDAYS[current.weekday()],
                xp=row.xp if row else 0,
                freeze_used=frozen,
            )
        )
    return WeeklyActivityResponse(
        week_start=week_start,
        week_end=week_end,
        timezone=user.timezone,
        days=days,
        total_xp=sum(day.xp for day in days),
        freeze_covered_dates=[day.date for day in days if day.freeze_used],
    )


async def get_learning_pulse(session: AsyncSession, user: User) -> LearningPulseResponse:
    end = local_today(user.timezone)
    start = end - timedelta(days=PULSE_DAYS - 1)
    rows = {
        day: (xp, seconds)
        for day, xp, seconds in await repository.pulse_rows(session, user.id, start, end)
    }
    thresholds = engine.pulse_thresholds([xp for xp, _ in rows.values()])
    days: list[LearningPulseDayEntry] = []
    for offset in range(PULSE_DAYS):
        current = start + timedelta(days=offset)
        xp, seconds = rows.get(current, (0, 0))
        days.append(
            LearningPulseDayEntry(
                date=current,
                xp=xp,
                minutes=seconds // 60,
                level=engine.pulse_level(xp, thresholds),
            )
        )
    return LearningPulseResponse(
        start_date=start,
        end_date=end,
        timezone=user.timezone,
        days=days,
        total_xp=sum(xp for xp, _ in rows.values()),
        active_days=sum(1 for xp, _ in rows.values() if xp > 0),
        thresholds=thresholds,
    )


async def get_quests(session: AsyncSession, user: User) -> QuestsResponse:
    today = local_today(user.timezone)
    day = await repository.get_day(session, user.id, today)
    metrics = quest_metrics(day)
    claimed = day.quests_claimed if day else 0
    items: list[QuestItem] = []
    for index in engine.daily_quests(user.id, today):
        quest = engine.QUEST_CATALOGUE[index]
        done = bool(claimed & (1 << index))
        items.append(
            QuestItem(
                id=quest.id,
                title=quest.title,
                description=quest.description,
                metric=quest.metric,
                target=quest.target,
                progress=min(metrics[quest.metric], quest.target),
                completed=done,
                reward_xp=quest.reward_xp,
                reward_tokens=quest.reward_tokens,
            )
        )
    return QuestsResponse(
        date=today, quests=items, all_completed=all(item.completed for item in items)
    )


def _learning_range(
    today: date, start_date: date | None, end_date: date | None
) -> tuple[date, date]:
    """The requested range; a missing bound is 30 days from the other one (or ends today)."""
    window = timedelta(days=DEFAULT_RANGE_DAYS - 1)
    try:
        end = end_date or (start_date + window if start_date else today)
        start = start_date or end - window
    except OverflowError:
        raise InvalidDateRange(
            "the date range falls outside the supported calendar", loc=["query"]
        ) from None
    return start, end


async def get_learning_time(
    session: AsyncSession, user: User, start_date: date | None, end_date: date | None
) -> LearningTimeAnalyticsResponse:
    start, end = _learning_range(local_today(user.timezone), start_date, end_date)
    if end < start:
        raise InvalidDateRange("end_date must not be before start_date", loc=["query", "end_date"])
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidDateRange(
            f"the range may span at most {MAX_RANGE_DAYS} days", loc=["query", "start_date"]
        )
    rows = {
        day: (live, conversations, xel)
        for day, live, conversations, xel in await repository.learning_time_rows(
            session, user.id, start, end
        )
    }
    days: list[LearningTimeDay] = []
    totals = [0, 0, 0]
    for offset in range((end - start).days + 1):
        current = start + timedelta(days=offset)
        live, conversations, xel = rows.get(current, (0, 0, 0))
        totals = [totals[0] + live, totals[1] + conversations, totals[2] + xel]
        days.append(
            LearningTimeDay(
                date=current,
                seconds=live + conversations + xel,
                by_source=LearningTimeBySource(live=live, conversations=conversations, xel=xel),
            )
        )
    return LearningTimeAnalyticsResponse(
        start_date=start,
        end_date=end,
        timezone=user.timezone,
        total_seconds=sum(totals),
        by_source=LearningTimeBySource(live=totals[0], conversations=totals[1], xel=totals[2]),
        days=days,
    )
