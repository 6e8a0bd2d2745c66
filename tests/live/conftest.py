"""Live tests: a frozen clock (billing never sleeps) and helpers for the session endpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.conftest import make_settings
from tests.fixtures.auth import AuthedUser, UserFactory
from xentree.config import Settings
from xentree.kit.time import clock

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The background sweeper is tested on purpose in test_sweeper.py; elsewhere it must not
    # close sessions behind a test's back, so its first tick is far away.
    return make_settings(database_url, live_sweeper_interval_seconds=3600)


@pytest.fixture
def frozen() -> datetime:
    clock.freeze(T0)
    return T0


@pytest.fixture
async def live_user(frozen: datetime, user_factory: UserFactory) -> AuthedUser:
    return await user_factory()


class Live:
    """Thin client for the Live endpoints."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    async def quota(self) -> httpx.Response:
        return await self.client.get("/api/live/quota", headers=self.headers)

    async def start(self, session_type: str = "voice") -> httpx.Response:
        return await self.client.post(
            "/api/live/session/start", json={"session_type": session_type}, headers=self.headers
        )

    async def heartbeat(self, session_id: str) -> httpx.Response:
        return await self.client.post(
            "/api/live/session/heartbeat", json={"session_id": session_id}, headers=self.headers
        )

    async def end(self, session_id: str) -> httpx.Response:
        return await self.client.post(
            "/api/live/session/end", json={"session_id": session_id}, headers=self.headers
        )

    async def started(self, session_type: str = "voice") -> dict[str, Any]:
        response = await self.start(session_type)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def live(client: httpx.AsyncClient, live_user: AuthedUser) -> Live:
    return Live(client, live_user.headers)
