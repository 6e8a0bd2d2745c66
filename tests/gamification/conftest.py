"""Learners for the XP tests.

The tests move the application clock to fixed dates (DST days, week boundaries, a year of
history), while access tokens are only valid for 15 minutes after they were issued by that same
clock. So the users here read their XP through an API key with `xel:read` and
`conversations:read` (keys do not expire with time); `bearer` keeps the login token for the
bearer-only calls, made before the clock moves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.auth import AuthedUser, create_user, make_api_key


@dataclass
class Learner(AuthedUser):
    api_key: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.api_key}

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


LearnerFactory = Callable[..., Awaitable[Learner]]


@pytest.fixture
def user_factory(app: FastAPI, client: httpx.AsyncClient) -> LearnerFactory:
    async def make(username: str | None = None, **extra: Any) -> Learner:
        authed = await create_user(client, username, **extra)
        key = await make_api_key(app, authed.id, ["xel:read", "conversations:read"])
        return Learner(**vars(authed), api_key=key)

    return make


@pytest.fixture
async def user(user_factory: LearnerFactory) -> Learner:
    return await user_factory()
