"""The Live session sweeper: closes sessions that went silent, in every server process.

Choice for several processes: every `xentree serve` worker runs this loop; there is no leader
election. Each candidate session is closed in its own short transaction through
`LiveService.settle_session`, which takes the user's row lock (PostgreSQL `SELECT ... FOR
UPDATE`, SQLite's single writer) and re-checks the session under it. When two sweepers (or a
sweeper and a request) pick the same session, the second one finds it already closed and does
nothing, so a session is billed and awarded once however many processes sweep. The candidate
query itself takes no lock, so sweepers never block requests for long. A random start offset
spreads the sweeps of several processes over the interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from xentree.kit.db import session_scope
from xentree.kit.time import utcnow
from xentree.live.repository import LiveRepository
from xentree.live.service import LiveService

logger = logging.getLogger("xentree.live.sweeper")

_BATCH = 500


async def sweep_once(sessionmaker: async_sessionmaker[AsyncSession], service: LiveService) -> int:
    """Close every session that is stale or over its maximum duration; returns how many."""
    settings = service.settings
    now = utcnow()
    async with session_scope(sessionmaker) as db:
        repository = LiveRepository(db)
        candidates = list(
            await repository.stale_sessions(
                now - timedelta(seconds=settings.live_stale_timeout_seconds), _BATCH
            )
        )
        candidates += await repository.overdue_sessions(
            now - timedelta(seconds=settings.live_max_duration_seconds), _BATCH
        )
    closed = 0
    for session_id, user_id in dict.fromkeys(candidates):
        async with session_scope(sessionmaker) as db:
            if await service.settle_session(db, user_id, session_id):
                closed += 1
    return closed


@asynccontextmanager
async def live_sweeper(app: FastAPI) -> AsyncIterator[None]:
    """Run `sweep_once` every `live_sweeper_interval_seconds` for the life of the app."""
    service = LiveService(app.state.settings)
    interval = float(app.state.settings.live_sweeper_interval_seconds)

    async def loop() -> None:
        await asyncio.sleep(interval * (0.5 + random.random()))
        while True:
            try:
                closed = await sweep_once(app.state.sessionmaker, service)
                if closed:
                    logger.info("closed %d silent live session(s)", closed)
            except Exception:  # a failed sweep is retried at the next tick
                logger.exception("live session sweep failed")
            await asyncio.sleep(interval)

    task = asyncio.create_task(loop(), name="xentree-live-sweeper")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
