"""Pure rules of the XP model: levels, the streak engine with freezes, quests, pulse levels.

No I/O here, so the property tests can drive these functions directly.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

# ---------------------------------------------------------------------------------------------
# Levels (contract §8): level L needs round(25·L² + 75·L) total XP to leave; level 1 → 100 XP.

LEVEL_UP_TOKENS = 5  # tokens credited for every level reached


def level_threshold(level: int) -> int:
    """Total XP needed to leave `level` (0 for level 0, the virtual level before 1)."""
    return round(25 * level * level + 75 * level) if level > 0 else 0


def level_for(total_xp: int) -> int:
    """The level (≥ 1) of a total XP amount."""
    if total_xp < 0:
        raise ValueError("total XP cannot be negative")
    # Solve 25L² + 75L > X for the smallest integer L, then correct the float estimate.
    level = max(1, math.floor((-75 + math.sqrt(75 * 75 + 100 * total_xp)) / 50))
    while level_threshold(level) <= total_xp:
        level += 1
    while level > 1 and level_threshold(level - 1) > total_xp:
        level -= 1
    return level


@dataclass(frozen=True, slots=True)
class LevelProgress:
    level: int
    xp_into_level: int
    xp_for_next_level: int  # size of the current level: XP between its start and the next
    progress_percent: float


def level_progress(total_xp: int) -> LevelProgress:
    level = level_for(total_xp)
    start = level_threshold(level - 1)
    span = level_threshold(level) - start
    into = total_xp - start
    return LevelProgress(level, into, span, round(100 * into / span, 2))


# ---------------------------------------------------------------------------------------------
# Streaks. A local day counts when it has XP. Walking the days in order from the first active
# one: an active day extends the streak (each multiple of 7 earns a freeze, at most 2 held); a
# missed past day consumes a freeze when the streak is alive and one is held (the streak is kept
# but not lengthened), otherwise the streak drops to 0. Today without XP is not missed yet.

MAX_FREEZES = 2
FREEZE_MILESTONE = 7


@dataclass(frozen=True, slots=True)
class StreakState:
    """The engine's state at the end of `last_active` (the latest active day folded in)."""

    current: int = 0
    longest: int = 0
    freezes_held: int = 0
    freezes_used: int = 0
    last_active: date | None = None


@dataclass(frozen=True, slots=True)
class StreakView:
    """The state as seen on `today`, with the days freezes covered on the way."""

    state: StreakState
    covered: tuple[date, ...] = field(default_factory=tuple)
    at_risk: bool = False


def _skip_missed(state: StreakState, first: date, last: date) -> tuple[StreakState, list[date]]:
    """Fold the missed days first..last (inclusive) into the state."""
    covered: list[date] = []
    if last < first or state.current == 0:
        return state, covered
    missed = (last - first).days + 1
    use = min(missed, state.freezes_held)
    covered = [first + timedelta(days=i) for i in range(use)]
    current = state.current if missed <= state.freezes_held else 0
    return (
        replace(
            state,
            current=current,
            freezes_held=state.freezes_held - use,
            freezes_used=state.freezes_used + use,
        ),
        covered,
    )


def step_active(state: StreakState, day: date) -> tuple[StreakState, list[date]]:
    """Fold a newly active day that comes after `state.last_active`."""
    if state.last_active is not None and day <= state.last_active:
        raise ValueError("step_active needs a day after the last active day")
    covered: list[date] = []
    if state.last_active is not None:
        state, covered = _skip_missed(
            state, state.last_active + timedelta(days=1), day - timedelta(days=1)
        )
    current = state.current + 1
    held = state.freezes_held
    if current % FREEZE_MILESTONE == 0 and held < MAX_FREEZES:
        held += 1
    state = replace(
        state,
        current=current,
        longest=max(state.longest, current),
        freezes_held=held,
        last_active=day,
    )
    return state, covered


def replay(active_days: Iterable[date]) -> tuple[StreakState, list[date]]:
    """Fold a whole history of active days (any order, duplicates ignored)."""
    state = StreakState()
    covered: list[date] = []
    for day in sorted(set(active_days)):
        state, more = step_active(state, day)
        covered.extend(more)
    return state, covered


def view(state: StreakState, today: date) -> StreakView:
    """The state on `today`: missed days up to yesterday consume freezes or break the streak."""
    if state.last_active is None:
        return StreakView(state)
    if today <= state.last_active:
        return StreakView(state)
    seen, covered = _skip_missed(
        state, state.last_active + timedelta(days=1), today - timedelta(days=1)
    )
    # Today has no XP yet: the streak breaks tonight unless a freeze would cover today.
    at_risk = seen.current >= 1 and seen.freezes_held == 0
    return StreakView(seen, tuple(covered), at_risk)


# ---------------------------------------------------------------------------------------------
# Quests: a catalogue of templates over the daily rollup's metrics; three per user per local day.


@dataclass(frozen=True, slots=True)
class QuestTemplate:
    id: str
    title: str
    description: str
    metric: str
    target: int
    reward_xp: int
    reward_tokens: int


QUEST_CATALOGUE: tuple[QuestTemplate, ...] = (
    QuestTemplate("earn_xp_30", "Warm up", "Earn 30 XP today.", "xp_earned", 30, 10, 1),
    QuestTemplate("earn_xp_60", "Steady learner", "Earn 60 XP today.", "xp_earned", 60, 15, 1),
    QuestTemplate("earn_xp_120", "XP sprint", "Earn 120 XP today.", "xp_earned", 120, 25, 2),
    QuestTemplate(
        "live_minutes_5",
        "Say hello",
        "Talk for 5 minutes in Xentree Live.",
        "live_minutes",
        5,
        10,
        1,
    ),
    QuestTemplate(
        "live_minutes_15",
        "Conversation time",
        "Talk for 15 minutes in Xentree Live.",
        "live_minutes",
        15,
        20,
        2,
    ),
    QuestTemplate(
        "live_sessions_2",
        "Come back to talk",
        "Finish 2 Xentree Live sessions.",
        "live_sessions",
        2,
        15,
        1,
    ),
    QuestTemplate("tasks_3", "Task trio", "Complete 3 XEL tasks.", "tasks_completed", 3, 15, 1),
    QuestTemplate("tasks_6", "Task marathon", "Complete 6 XEL tasks.", "tasks_completed", 6, 25, 2),
    QuestTemplate(
        "perfect_1", "Flawless", "Get a perfect score on an XEL task.", "perfect_scores", 1, 20, 2
    ),
    QuestTemplate(
        "evaluation_1", "Check your level", "Finish an XEL evaluation.", "evaluations", 1, 15, 1
    ),
    QuestTemplate("chat_5", "Chatty", "Send 5 chat messages.", "chat_messages", 5, 10, 1),
    QuestTemplate(
        "chat_15", "Deep conversation", "Send 15 chat messages.", "chat_messages", 15, 20, 2
    ),
    QuestTemplate(
        "learning_minutes_20",
        "Twenty minutes",
        "Learn for 20 minutes in total.",
        "learning_minutes",
        20,
        20,
        2,
    ),
    QuestTemplate(
        "two_sources",
        "Mix it up",
        "Earn XP from 2 different activities.",
        "activity_kinds",
        2,
        15,
        1,
    ),
)
QUESTS_PER_DAY = 3
BOOSTER_MULTIPLIER = 2
BOOSTER_SECONDS = 15 * 60


def daily_quests(user_id: uuid.UUID, day: date) -> list[int]:
    """Catalogue indexes of the user's three quests on a local day (deterministic, distinct)."""
    ranked = sorted(
        range(len(QUEST_CATALOGUE)),
        key=lambda index: hashlib.sha256(
            f"{user_id}:{day.isoformat()}:{QUEST_CATALOGUE[index].id}".encode()
        ).digest(),
    )
    return sorted(ranked[:QUESTS_PER_DAY])


# ---------------------------------------------------------------------------------------------
# Learning pulse: levels 0–4 by quartile thresholds of the non-zero days.


def pulse_thresholds(values: Sequence[int]) -> list[int]:
    """[t1, t2, t3, t4]: nearest-rank 25th, 50th, 75th percentile and maximum of non-zero values."""
    nonzero = sorted(v for v in values if v > 0)
    if not nonzero:
        return [0, 0, 0, 0]
    n = len(nonzero)
    return [nonzero[max(0, math.ceil(q * n) - 1)] for q in (0.25, 0.5, 0.75)] + [nonzero[-1]]


def pulse_level(value: int, thresholds: Sequence[int]) -> int:
    if value <= 0:
        return 0
    for level, limit in enumerate(thresholds[:3], start=1):
        if value <= limit:
            return level
    return 4
