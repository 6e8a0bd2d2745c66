"""A deliberately simple streak reference: walk every calendar day, one rule per branch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass
class Reference:
    current: int
    longest: int
    freezes_available: int
    freezes_used: int
    last_activity: date | None
    covered: list[date]
    at_risk: bool


def reference_streak(active: set[date], today: date) -> Reference:
    streak = longest = held = used = 0
    covered: list[date] = []
    if not active:
        return Reference(0, 0, 0, 0, None, [], False)
    day = min(active)
    while day <= max(today, max(active)):
        if day in active:
            streak += 1
            longest = max(longest, streak)
            if streak % 7 == 0 and held < 2:
                held += 1
        elif day < today:
            if streak > 0 and held > 0:
                held -= 1
                used += 1
                covered.append(day)
            else:
                streak = 0
        day += timedelta(days=1)
    at_risk = streak >= 1 and today not in active and today > max(active) and held == 0
    return Reference(streak, longest, held, used, max(active), covered, at_risk)
