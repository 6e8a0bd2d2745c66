from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.auth import PASSWORD, AuthedUser, login, register

pytestmark = pytest.mark.usefixtures("app")

NEW_PASSWORD = "a-brand-new-password-77"


async def patch(client: httpx.AsyncClient, user: AuthedUser, **body: Any) -> httpx.Response:
    return await client.patch("/api/auth/me", headers=user.headers, json=body)


async def test_update_profile_fields(client: httpx.AsyncClient, user: AuthedUser) -> None:
    response = await patch(
        client,
        user,
        full_name="Ada Lovelace",
        timezone="America/New_York",
        avatar_url="https://cdn.example.com/ada.png",
        bio="Learning English every day.",
        public_profile=False,
    )
    assert response.status_code == 200, response.text
    profile = response.json()
    assert profile["full_name"] == "Ada Lovelace"
    assert profile["timezone"] == "America/New_York"
    assert profile["avatar_url"] == "https://cdn.example.com/ada.png"
    assert profile["bio"] == "Learning English every day."
    assert profile["public_profile"] is False
    again = await client.get("/api/auth/me", headers=user.headers)
    assert again.json() == profile
    cleared = await patch(client, user, full_name=None, bio=None)
    assert cleared.json()["full_name"] is None and cleared.json()["bio"] is None


async def test_email_change_rechecks_uniqueness(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    other = await register(client)
    response = await patch(client, user, email=other["email"].upper())
    assert response.status_code == 409
    assert response.json()["detail"]["error"] == "email_taken"
    response = await patch(client, user, email="New.Address@Example.com")
    assert response.status_code == 200
    assert response.json()["email"] == "new.address@example.com"
    # Own address again is not a conflict.
    assert (await patch(client, user, email="new.address@example.com")).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"email": None},
        {"timezone": None},
        {"public_profile": None},
        {"timezone": "Nowhere/Land"},
        {"email": "nope"},
        {"avatar_url": "javascript:alert(1)"},
        {"avatar_url": "https://x/" + "a" * 2048},
        {"bio": "b" * 2001},
        {"public_profile": "maybe"},
        {"username": "renamed"},
        {"is_admin": True},
        {"plan": "pro"},
        {"new_password": NEW_PASSWORD},
        {"current_password": PASSWORD},
        {"current_password": PASSWORD, "new_password": "short"},
        {"current_password": PASSWORD, "new_password": "qwertyuiop"},
    ],
)
async def test_update_validation(
    client: httpx.AsyncClient, user: AuthedUser, body: dict[str, Any]
) -> None:
    response = await patch(client, user, **body)
    assert response.status_code == 400, (body, response.text)
    assert response.json()["detail"]["error"] == "validation_error"
    me = (await client.get("/api/auth/me", headers=user.headers)).json()
    assert me == user.profile  # nothing was half-applied


async def test_password_change_needs_current_password(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    response = await patch(
        client, user, current_password="not-my-password", new_password=NEW_PASSWORD
    )
    assert response.status_code == 400
    assert response.json()["detail"]["error"] == "invalid_current_password"
    await login(client, user.username, PASSWORD)


async def test_password_change_revokes_other_sessions(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    other = await login(client, user.username)
    response = await patch(client, user, current_password=PASSWORD, new_password=NEW_PASSWORD)
    assert response.status_code == 200
    # This device keeps working, the other one is logged out.
    assert (await client.get("/api/auth/me", headers=user.headers)).status_code == 200
    other_me = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {other['access_token']}"}
    )
    assert other_me.status_code == 401
    assert other_me.json()["detail"]["error"] == "token_revoked"
    old = await client.post(
        "/api/auth/login", data={"username": user.username, "password": PASSWORD}
    )
    assert old.status_code == 401
    await login(client, user.username, NEW_PASSWORD)


async def test_update_requires_bearer(client: httpx.AsyncClient) -> None:
    response = await client.patch("/api/auth/me", json={"bio": "x"})
    assert response.status_code == 401
