"""Driving XP through the real `award()` in committed transactions, as the feeds do."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from xentree.gamification.service import award

_refs = itertools.count(1)


def at(text: str) -> datetime:
    """An aware datetime from an ISO string (UTC when no offset is given)."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def give(
    app: FastAPI,
    user_id: str,
    amount: int,
    occurred_at: datetime | str,
    *,
    source: str = "xel_task",
    source_ref: str | None = None,
    seconds: int = 0,
) -> bool:
    when = at(occurred_at) if isinstance(occurred_at, str) else occurred_at
    async with app.state.sessionmaker() as session:
        done = await award(
            session,
            user_id=uuid.UUID(user_id),
            source=source,
            source_ref=source_ref or f"test-{next(_refs)}-{uuid.uuid4().hex[:8]}",
            amount=amount,
            occurred_at=when,
            seconds=seconds,
        )
        await session.commit()
        return done


async def get_json(client: Any, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()
