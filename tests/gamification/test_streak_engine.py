"""The pure streak, level, quest and pulse rules, with property tests against the reference."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.gamification.reference import reference_streak
from xentree.gamification import engine

BASE = date(2024, 1, 1)


def days(*offsets: int) -> set[date]:
    return {BASE + timedelta(days=o) for o in offsets}


def run(active: set[date], today: date) -> engine.StreakView:
    state, covered = engine.replay(active)
    seen = engine.view(state, today)
    return engine.StreakView(seen.state, tuple(covered) + seen.covered, seen.at_risk)


def _runs(segments: list[tuple[int, int]]) -> set[int]:
    """Runs of consecutive active days separated by gaps: long streaks, milestones, freezes."""
    offsets: set[int] = set()
    cursor = 0
    for length, gap in segments:
        offsets.update(range(cursor, cursor + length))
        cursor += length + gap
    return offsets


histories = st.one_of(
    st.sets(st.integers(min_value=0, max_value=120), max_size=90),
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=30), st.integers(min_value=1, max_value=4)),
        max_size=8,
    ).map(_runs),
)


@settings(max_examples=600, deadline=None)
@given(offsets=histories, gap=st.integers(min_value=0, max_value=20))
def test_engine_matches_reference(offsets: set[int], gap: int) -> None:
    active = {BASE + timedelta(days=o) for o in offsets}
    today = (max(active) if active else BASE) + timedelta(days=gap)
    got = run(active, today)
    want = reference_streak(active, today)
    assert got.state.current == want.current
    assert got.state.longest == want.longest
    assert got.state.freezes_held == want.freezes_available
    assert got.state.freezes_used == want.freezes_used
    assert got.state.last_active == want.last_activity
    assert list(got.covered) == want.covered
    assert got.at_risk == want.at_risk


@settings(max_examples=300, deadline=None)
@given(offsets=st.lists(st.integers(min_value=0, max_value=60), max_size=40), seed=st.integers())
def test_replay_is_order_independent_and_incremental(offsets: list[int], seed: int) -> None:
    # Folding days one by one (as award() does for in-order events) equals a full replay.
    ordered = sorted({BASE + timedelta(days=o) for o in offsets})
    state = engine.StreakState()
    covered: list[date] = []
    for day in ordered:
        state, more = engine.step_active(state, day)
        covered += more
    shuffled = list(ordered)
    random.Random(seed).shuffle(shuffled)
    assert engine.replay(shuffled) == (state, covered)


@settings(max_examples=300, deadline=None)
@given(offsets=histories, gap=st.integers(min_value=0, max_value=20))
def test_streak_invariants(offsets: set[int], gap: int) -> None:
    active = {BASE + timedelta(days=o) for o in offsets}
    today = (max(active) if active else BASE) + timedelta(days=gap)
    got = run(active, today)
    assert 0 <= got.state.freezes_held <= engine.MAX_FREEZES
    assert got.state.current <= got.state.longest <= len(active)
    assert len(got.covered) == got.state.freezes_used
    assert not set(got.covered) & active
    # One freeze per 7-day milestone at most: never more used than milestones reached.
    assert got.state.freezes_used <= len(active) // 7


def test_seven_day_milestone_earns_a_freeze_that_covers_one_missed_day() -> None:
    active = days(*range(7), 8)  # day 7 missed
    got = run(active, BASE + timedelta(days=8))
    assert got.state.current == 8
    assert got.covered == (BASE + timedelta(days=7),)
    assert got.state.freezes_held == 0 and got.state.freezes_used == 1


def test_two_missed_days_with_one_freeze_break_the_streak() -> None:
    got = run(days(*range(7), 9), BASE + timedelta(days=9))
    assert got.state.current == 1
    assert got.state.longest == 7
    assert got.covered == (BASE + timedelta(days=7),)  # the freeze was spent, then the break


def test_at_most_two_freezes_held() -> None:
    got = run(days(*range(28)), BASE + timedelta(days=27))
    assert got.state.freezes_held == 2
    assert got.state.current == 28


def test_at_risk_only_when_no_freeze_would_cover_today() -> None:
    assert run(days(0, 1), BASE + timedelta(days=2)).at_risk
    assert not run(days(0, 1), BASE + timedelta(days=1)).at_risk  # today has XP
    assert not run(days(*range(7)), BASE + timedelta(days=7)).at_risk  # a freeze is held
    assert not run(days(0), BASE + timedelta(days=5)).at_risk  # streak already broken
    assert run(days(0), BASE + timedelta(days=5)).state.current == 0


def test_step_active_refuses_days_out_of_order() -> None:
    state, _ = engine.step_active(engine.StreakState(), BASE)
    try:
        engine.step_active(state, BASE)
    except ValueError:
        return
    raise AssertionError("step_active accepted a day that is not after the last active one")


def test_level_curve_matches_contract() -> None:
    assert engine.level_threshold(1) == 100
    assert [engine.level_for(x) for x in (0, 99, 100, 249, 250, 449, 450)] == [1, 1, 2, 2, 3, 3, 4]
    progress = engine.level_progress(175)
    assert (progress.level, progress.xp_into_level, progress.xp_for_next_level) == (2, 75, 150)
    assert progress.progress_percent == 50.0


@given(st.integers(min_value=0, max_value=10**9))
def test_level_for_is_the_smallest_level_not_yet_left(total: int) -> None:
    level = engine.level_for(total)
    assert engine.level_threshold(level - 1) <= total < engine.level_threshold(level)


def test_quest_catalogue_and_daily_choice() -> None:
    assert len(engine.QUEST_CATALOGUE) >= 12
    assert len({q.id for q in engine.QUEST_CATALOGUE}) == len(engine.QUEST_CATALOGUE)
    assert len({q.metric for q in engine.QUEST_CATALOGUE}) >= 8
    user = uuid.uuid4()
    first = engine.daily_quests(user, BASE)
    assert first == engine.daily_quests(user, BASE)  # deterministic
    assert len(set(first)) == 3
    # Over a month the choice changes from day to day and between users.
    month = {tuple(engine.daily_quests(user, BASE + timedelta(days=i))) for i in range(30)}
    assert len(month) > 10
    assert any(engine.daily_quests(uuid.uuid4(), BASE) != first for _ in range(10))


def test_pulse_quartiles() -> None:
    assert engine.pulse_thresholds([0, 0]) == [0, 0, 0, 0]
    values = [0, 10, 20, 30, 40, 50, 60, 70, 80]
    thresholds = engine.pulse_thresholds(values)
    assert thresholds == [20, 40, 60, 80]
    assert [engine.pulse_level(v, thresholds) for v in values] == [0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert engine.pulse_thresholds([5]) == [5, 5, 5, 5]
    assert engine.pulse_level(5, [5, 5, 5, 5]) == 1
