from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.auth import AuthedUser, api_key_headers, make_api_key


async def _patch(
    client: httpx.AsyncClient, headers: dict[str, str], body: object
) -> httpx.Response:
    return await client.patch("/api/live/nickname", json=body, headers=headers)


async def test_nickname_is_trimmed_and_shown_in_the_profile(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    response = await _patch(client, user.headers, {"nickname": "  Ana Banana \t"})
    assert response.status_code == 200, response.text
    assert response.json() == {"nickname": "Ana Banana"}
    me = await client.get("/api/auth/me", headers=user.headers)
    assert me.json()["live_nickname"] == "Ana Banana"
    response = await _patch(client, user.headers, {"nickname": "ñ" * 32})
    assert response.json() == {"nickname": "ñ" * 32}
    assert (await client.get("/api/auth/me", headers=user.headers)).json()[
        "live_nickname"
    ] == "ñ" * 32


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"nickname": ""},
        {"nickname": "    "},
        {"nickname": "x" * 33},
        {"nickname": "bad\x00name"},
        {"nickname": "two\nlines"},
        {"nickname": 42},
        {"nickname": None},
        {"nickname": "ok", "extra": True},
    ],
)
async def test_nickname_validation(
    client: httpx.AsyncClient, user: AuthedUser, body: object
) -> None:
    response = await _patch(client, user.headers, body)
    assert response.status_code == 400, response.text
    assert response.json()["detail"]["error"] == "validation_error"
    me = await client.get("/api/auth/me", headers=user.headers)
    assert me.json()["live_nickname"] is None


async def test_nickname_credentials(
    app: FastAPI, client: httpx.AsyncClient, user: AuthedUser
) -> None:
    assert (await _patch(client, {}, {"nickname": "Ana"})).status_code == 401
    reader = await make_api_key(app, user.id, ["live:read"])
    response = await _patch(client, api_key_headers(reader), {"nickname": "Ana"})
    assert response.status_code == 403
    assert response.json()["detail"]["required_scope"] == "live:write"
    writer = await make_api_key(app, user.id, ["live:write"])
    response = await _patch(client, api_key_headers(writer), {"nickname": "Keyed"})
    assert response.status_code == 200
    me = await client.get("/api/auth/me", headers=user.headers)
    assert me.json()["live_nickname"] == "Keyed"
