"""The pruner: drops grants and deny-list rows once their token has expired anyway."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from xentree.integration_tokens.dependencies import get_integration_service_for_app
from xentree.kit.db import session_scope

logger = logging.getLogger("xentree.integration_tokens")

PRUNE_INTERVAL_SECONDS = 300.0


async def prune_once(app: FastAPI) -> tuple[int, int]:
    async with session_scope(app.state.sessionmaker) as session:
        return await get_integration_service_for_app(app).prune(session)


async def _loop(app: FastAPI, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            grants, denied = await prune_once(app)
            if grants or denied:
                logger.info("pruned %d expired grants and %d revocations", grants, denied)
        except Exception:  # keep the pruner alive across a transient database error
            logger.exception("pruning integration tokens failed")


@contextlib.asynccontextmanager
async def integration_token_pruner(app: FastAPI) -> AsyncIterator[None]:
    task = asyncio.create_task(_loop(app, PRUNE_INTERVAL_SECONDS))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
