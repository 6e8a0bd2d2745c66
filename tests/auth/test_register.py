from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.auth import PASSWORD, register

pytestmark = pytest.mark.usefixtures("app")


def body(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "username": "alice",
        "email": "alice@example.com",
        "password": PASSWORD,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


async def test_register_returns_profile(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/register",
        json=body(
            username="Alice.Smith",
            email="Alice@Example.COM",
            full_name="  Alice  ",
            timezone="Europe/Paris",
        ),
    )
    assert response.status_code == 201, response.text
    profile = response.json()
    assert set(profile) == {
        "id",
        "username",
        "email",
        "full_name",
        "timezone",
        "avatar_url",
        "bio",
        "public_profile",
        "live_nickname",
        "plan",
        "is_admin",
        "created_at",
    }
    assert profile["username"] == "alice.smith"
    assert profile["email"] == "alice@example.com"
    assert profile["full_name"] == "Alice"
    assert profile["timezone"] == "Europe/Paris"
    assert profile["public_profile"] is True
    assert profile["plan"] == "free"
    assert profile["is_admin"] is False
    assert profile["created_at"].endswith("Z") or "+00:00" in profile["created_at"]
    assert "password" not in response.text


async def test_default_timezone_is_utc(client: httpx.AsyncClient) -> None:
    profile = await register(client, "bob_1")
    assert profile["timezone"] == "UTC"


@pytest.mark.parametrize(
    ("payload", "loc"),
    [
        ({"email": "a@example.com", "password": PASSWORD}, ["body", "username"]),
        ({"username": "alice", "password": PASSWORD}, ["body", "email"]),
        ({"username": "alice", "email": "a@example.com"}, ["body", "password"]),
        (body(username=12345), ["body", "username"]),
        (body(username="ab"), ["body", "username"]),
        (body(username="a" * 33), ["body", "username"]),
        (body(username="has space"), ["body", "username"]),
        (body(username="émile"), ["body", "username"]),
        (body(email="not-an-email"), ["body", "email"]),
        (body(email=["a@example.com"]), ["body", "email"]),
        (body(password="short"), ["body", "password"]),
        (body(password="x" * 129), ["body", "password"]),
        (body(password=1234567890123), ["body", "password"]),
        (body(timezone="Mars/Olympus"), ["body", "timezone"]),
        (body(timezone="../../etc/passwd"), ["body", "timezone"]),
        (body(full_name="x" * 201), ["body", "full_name"]),
        (body(is_admin=True), ["body", "is_admin"]),
    ],
)
async def test_register_validation(
    client: httpx.AsyncClient, payload: dict[str, Any], loc: list[str]
) -> None:
    response = await client.post("/api/auth/register", json=payload)
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert detail["error"] == "validation_error"
    assert detail["message"]
    assert any(field["loc"][: len(loc)] == loc for field in detail["fields"]), detail


@pytest.mark.parametrize("password", ["qwertyuiop", "Password123", "1234567890", "PASSWORD1234"])
async def test_common_passwords_are_refused(client: httpx.AsyncClient, password: str) -> None:
    response = await client.post("/api/auth/register", json=body(password=password))
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail["error"] == "validation_error"
    assert detail["fields"][0]["loc"] == ["body", "password"]
    assert "common" in detail["message"]


async def test_password_equal_to_username_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/register", json=body(username="averylongname", password="AveryLongName")
    )
    assert response.status_code == 400


async def test_malformed_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/register",
        content=b'{"username": "alice",',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["detail"]["error"] == "validation_error"


async def test_wrong_content_type(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/auth/register",
        data={"username": "alice", "email": "alice@example.com", "password": PASSWORD},
    )
    assert response.status_code == 400
    assert response.json()["detail"]["error"] == "validation_error"


async def test_body_over_one_mebibyte_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/register", json=body(full_name="x" * (1024 * 1024)))
    assert response.status_code == 413
    assert response.json()["detail"]["error"] == "payload_too_large"
    assert response.headers["x-request-id"]


async def test_chunked_body_over_limit_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> Any:
        yield b'{"username": "alice", "full_name": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = await client.post(
        "/api/auth/register", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["detail"]["error"] == "payload_too_large"


@pytest.mark.parametrize(
    ("second", "code"),
    [
        (body(username="ALICE", email="other@example.com"), "username_taken"),
        (body(username="alice2", email="ALICE@example.com"), "email_taken"),
    ],
)
async def test_duplicates_conflict(
    client: httpx.AsyncClient, second: dict[str, Any], code: str
) -> None:
    first = await client.post("/api/auth/register", json=body())
    assert first.status_code == 201
    response = await client.post("/api/auth/register", json=second)
    assert response.status_code == 409
    assert response.json()["detail"]["error"] == code
