"""Sliding-window rate limits on top of `limits`: memory storage by default, Redis when
`XENTREE_REDIS_URL` is set so that every server process shares the same counters."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter


@dataclass(frozen=True, slots=True)
class LimitState:
    limit: int
    remaining: int
    reset_seconds: int

    @property
    def exhausted(self) -> bool:
        return self.remaining <= 0

    @staticmethod
    def tightest(*states: LimitState) -> LimitState:
        """The state a client should be shown: least remaining, then the longest wait."""
        return min(states, key=lambda s: (s.remaining, -s.reset_seconds))

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(0, self.remaining)),
            "RateLimit-Reset": str(self.reset_seconds),
        }


class RateLimiter:
    def __init__(self, redis_url: str | None, *, prefix: str) -> None:
        self._storage: Storage
        if redis_url:
            uri = redis_url.replace("redis://", "async+redis://", 1)
            if not uri.startswith("async+"):
                uri = "async+" + uri
            self._storage = RedisStorage(uri, implementation="redispy", key_prefix=prefix)
        else:
            self._storage = MemoryStorage()
        self._strategy = MovingWindowRateLimiter(self._storage)

    @staticmethod
    def item(amount: int, window_seconds: int) -> RateLimitItem:
        return RateLimitItemPerSecond(amount, window_seconds)

    async def state(self, item: RateLimitItem, *identifiers: str) -> LimitState:
        stats = await self._strategy.get_window_stats(item, *identifiers)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return LimitState(limit=item.amount, remaining=stats.remaining, reset_seconds=reset)

    async def hit(self, item: RateLimitItem, *identifiers: str) -> LimitState:
        await self._strategy.hit(item, *identifiers)
        return await self.state(item, *identifiers)

    async def clear(self, item: RateLimitItem, *identifiers: str) -> None:
        await self._strategy.clear(item, *identifiers)

    async def ping(self) -> bool:
        return bool(await self._storage.check())
