from __future__ import annotations

import httpx

from tests.fixtures.auth import AuthedUser


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


async def test_me(client: httpx.AsyncClient, user: AuthedUser) -> None:
    response = await client.get("/api/auth/me", headers=user.headers)
    assert response.status_code == 200, response.text
    assert response.json()["username"] == user.username
