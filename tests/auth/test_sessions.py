from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import scalar
from tests.fixtures.auth import PASSWORD, AuthedUser, login
from tests.fixtures.server import running_server
from xentree.config import Settings
from xentree.kit.time import clock, utcnow

pytestmark = pytest.mark.usefixtures("app")


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/auth/refresh", json={"refresh_token": token})


async def test_refresh_rotates(client: httpx.AsyncClient, user: AuthedUser) -> None:
    clock.freeze(utcnow())
    clock.advance(2)
    response = await refresh(client, user.refresh_token)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["refresh_token"] != user.refresh_token
    assert tokens["access_token"] != user.access_token
    assert tokens["token_type"] == "bearer"
    me = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert me.status_code == 200, me.text
    # The successor rotates in turn.
    clock.advance(1)
    again = await refresh(client, tokens["refresh_token"])
    assert again.status_code == 200
    assert again.json()["refresh_token"] not in (tokens["refresh_token"], user.refresh_token)


async def test_replay_within_grace_returns_the_same_pair(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    clock.freeze(utcnow())
    first = (await refresh(client, user.refresh_token)).json()
    clock.advance(9)
    second = await refresh(client, user.refresh_token)
    assert second.status_code == 200
    assert second.json() == first


async def test_replay_after_grace_revokes_the_family(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    clock.freeze(utcnow())
    successor = (await refresh(client, user.refresh_token)).json()
    clock.advance(11)
    replay = await refresh(client, user.refresh_token)
    assert replay.status_code == 401
    assert replay.json()["detail"]["error"] == "refresh_token_reused"
    # The whole family is gone: the successor and every access token of the session.
    for token in (successor["refresh_token"], user.refresh_token):
        response = await refresh(client, token)
        assert response.status_code == 401
        assert response.json()["detail"]["error"] == "token_revoked"
    for access in (successor["access_token"], user.access_token):
        me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {access}"})
        assert me.status_code == 401
        assert me.json()["detail"]["error"] == "token_revoked"


async def test_concurrent_double_refresh_gets_one_successor(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    responses = await asyncio.gather(*(refresh(client, user.refresh_token) for _ in range(2)))
    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].json() == responses[1].json()
    count = await scalar(app, "SELECT count(*) FROM refresh_tokens")
    assert count == 2  # the original and exactly one successor


async def test_refresh_rejects_unknown_and_malformed(client: httpx.AsyncClient) -> None:
    response = await refresh(client, "xrt_" + "a" * 43)
    assert response.status_code == 401
    assert response.json()["detail"]["error"] == "invalid_token"
    for payload in ({}, {"refresh_token": ""}, {"refresh_token": 5}, {"refresh_token": "x" * 513}):
        response = await client.post("/api/auth/refresh", json=payload)
        assert response.status_code == 400, payload


async def test_refresh_token_idle_expiry(client: httpx.AsyncClient, user: AuthedUser) -> None:
    clock.advance(30 * 86400 + 1)
    response = await refresh(client, user.refresh_token)
    assert response.status_code == 401
    assert response.json()["detail"]["error"] == "token_expired"


async def test_session_absolute_expiry(client: httpx.AsyncClient, user: AuthedUser) -> None:
    token = user.refresh_token
    for _ in range(3):  # keep refreshing inside the idle window (75 days)...
        clock.advance(25 * 86400)
        response = await refresh(client, token)
        assert response.status_code == 200
        token = response.json()["refresh_token"]
    clock.advance(25 * 86400)  # ...but 100 days > the 90-day absolute lifetime
    response = await refresh(client, token)
    assert response.status_code == 401
    assert response.json()["detail"]["error"] == "token_expired"


async def test_logout_rejects_access_token_at_once(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    other = await login(client, user.username)
    response = await client.post("/api/auth/logout", headers=user.headers)
    assert response.status_code == 204
    assert response.content == b""
    me = await client.get("/api/auth/me", headers=user.headers)
    assert me.status_code == 401
    assert me.json()["detail"]["error"] == "token_revoked"
    refreshed = await refresh(client, user.refresh_token)
    assert refreshed.json()["detail"]["error"] == "token_revoked"
    # Another device stays logged in.
    other_me = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {other['access_token']}"}
    )
    assert other_me.status_code == 200


async def test_logout_all_devices(client: httpx.AsyncClient, user: AuthedUser) -> None:
    other = await login(client, user.username)
    response = await client.post(
        "/api/auth/logout", headers=user.headers, json={"all_devices": True}
    )
    assert response.status_code == 204
    for access in (user.access_token, other["access_token"]):
        me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {access}"})
        assert me.status_code == 401


async def test_logout_validation_and_auth(client: httpx.AsyncClient, user: AuthedUser) -> None:
    assert (await client.post("/api/auth/logout")).status_code == 401
    response = await client.post(
        "/api/auth/logout", headers=user.headers, json={"all_devices": "sometimes"}
    )
    assert response.status_code == 400


@pytest.mark.slow
async def test_logout_is_seen_by_another_server_process(
    client: httpx.AsyncClient, settings: Settings, user: AuthedUser
) -> None:
    with running_server(settings) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as remote:
            assert (await remote.get("/api/auth/me", headers=user.headers)).status_code == 200
            assert (await client.post("/api/auth/logout", headers=user.headers)).status_code == 204
            response = await remote.get("/api/auth/me", headers=user.headers)
            assert response.status_code == 401
            assert response.json()["detail"]["error"] == "token_revoked"
            assert response.headers["x-request-id"]
            # A fresh login through the other process works against the same database.
            login_response = await remote.post(
                "/api/auth/login", data={"username": user.username, "password": PASSWORD}
            )
            assert login_response.status_code == 200
