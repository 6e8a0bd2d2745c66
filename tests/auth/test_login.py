from __future__ import annotations

import statistics
import time
import uuid

import httpx
import jwt
import pytest
from fastapi import FastAPI

from tests.conftest import make_settings, scalar
from tests.fixtures.auth import PASSWORD, AuthedUser, make_api_key, register
from xentree.auth.passwords import PasswordHasher
from xentree.main import create_app

pytestmark = pytest.mark.usefixtures("app")


async def test_login_returns_token_pair(client: httpx.AsyncClient) -> None:
    await register(client, "carol")
    response = await client.post(
        "/api/auth/login", data={"username": "carol", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    assert tokens["refresh_token"].startswith("xrt_")
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert set(claims) == {"sub", "sid", "jti", "iat", "exp", "iss", "aud", "typ"}
    assert claims["exp"] - claims["iat"] == 900
    assert claims["typ"] == "access"
    assert jwt.get_unverified_header(tokens["access_token"])["alg"] == "HS256"


async def test_login_by_email_and_case_insensitive(client: httpx.AsyncClient) -> None:
    await register(client, "dave")
    for login in ("DAVE", "dave@example.com", "Dave@Example.com"):
        response = await client.post(
            "/api/auth/login", data={"username": login, "password": PASSWORD}
        )
        assert response.status_code == 200, login


@pytest.mark.parametrize("username", ["erin", "nobody"])
async def test_wrong_credentials(client: httpx.AsyncClient, username: str) -> None:
    await register(client, "erin")
    response = await client.post(
        "/api/auth/login", data={"username": username, "password": "wrong-password-123"}
    )
    assert response.status_code == 401
    assert response.json()["detail"]["error"] == "invalid_credentials"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_login_needs_form_fields(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/login", json={"username": "x", "password": "y"})
    assert response.status_code == 400
    locs = [f["loc"] for f in response.json()["detail"]["fields"]]
    assert ["body", "username"] in locs and ["body", "password"] in locs
    response = await client.post("/api/auth/login", data={"username": "x"})
    assert response.status_code == 400
    response = await client.post("/api/auth/login", data={"username": "x" * 321, "password": "y"})
    assert response.status_code == 400


async def test_rehash_on_login_when_parameters_change(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    profile = await register(client, "frank")
    old_hash = await scalar(app, "SELECT password_hash FROM users WHERE username = 'frank'")
    assert isinstance(old_hash, str) and "m=1024,t=1,p=1" in old_hash
    stronger = create_app(make_settings(app.state.settings.database_url, argon2_time_cost=2))
    async with stronger.router.lifespan_context(stronger):
        transport = httpx.ASGITransport(app=stronger)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as other:
            response = await other.post(
                "/api/auth/login", data={"username": "frank", "password": PASSWORD}
            )
            assert response.status_code == 200
    new_hash = await scalar(app, "SELECT password_hash FROM users WHERE username = 'frank'")
    assert isinstance(new_hash, str) and "m=1024,t=2,p=1" in new_hash
    assert new_hash.startswith("$argon2id$")
    # The old parameters still verify the new hash; the user can keep logging in anywhere.
    assert await PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1).verify(
        new_hash, PASSWORD
    )
    assert profile["username"] == "frank"


async def test_login_time_does_not_reveal_unknown_users(app: FastAPI) -> None:
    """Unknown users are checked against a dummy hash: timings must be of the same order."""
    realistic = create_app(
        make_settings(
            app.state.settings.database_url,
            argon2_memory_cost_kib=16384,
            argon2_time_cost=2,
            login_max_failures_per_account=1000,
            login_max_failures_per_ip=1000,
        )
    )
    async with realistic.router.lifespan_context(realistic):
        transport = httpx.ASGITransport(app=realistic)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            await register(http, "grace")

            async def timed(username: str) -> float:
                start = time.perf_counter()
                response = await http.post(
                    "/api/auth/login", data={"username": username, "password": "wrong-pass-0000"}
                )
                assert response.status_code == 401
                return time.perf_counter() - start

            known, unknown = [], []
            for _ in range(12):
                known.append(await timed("grace"))
                unknown.append(await timed(f"ghost-{uuid.uuid4().hex[:8]}"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.6 < ratio < 1.6, (ratio, known, unknown)


async def test_me_returns_profile(client: httpx.AsyncClient, user: AuthedUser) -> None:
    response = await client.get("/api/auth/me", headers=user.headers)
    assert response.status_code == 200
    assert response.json() == user.profile


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "not_authenticated"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "not_authenticated"),
        ({"Authorization": "Bearer"}, "not_authenticated"),
        ({"Authorization": "Bearer not-a-jwt"}, "invalid_token"),
        ({"X-Service-Key": "anything"}, "not_authenticated"),
        ({"X-API-Key": "xntr-short"}, "invalid_api_key"),
    ],
)
async def test_me_unauthenticated(
    client: httpx.AsyncClient, headers: dict[str, str], code: str
) -> None:
    response = await client.get("/api/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"]["error"] == code
    assert response.headers["www-authenticate"] == "Bearer"


async def test_me_rejects_tampered_and_foreign_tokens(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    forged = {
        "none": jwt.encode(claims, None, algorithm="none"),
        "wrong key": jwt.encode(claims, "another-secret-of-sufficient-length", algorithm="HS256"),
        "other audience": jwt.encode(
            {**claims, "aud": "someone-else"}, "x" * 32, algorithm="HS256"
        ),
    }
    header, payload, signature = user.access_token.split(".")
    forged["flipped signature"] = f"{header}.{payload}.{signature[::-1]}"
    for name, token in forged.items():
        response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.json()["detail"]["error"] == "invalid_token", name


async def test_me_is_bearer_only(client: httpx.AsyncClient, app: FastAPI, user: AuthedUser) -> None:
    key = await make_api_key(app, user.id, ["api:admin"])
    for method in ("GET", "PATCH"):
        response = await client.request(
            method, "/api/auth/me", headers={"X-API-Key": key}, json={"bio": "x"}
        )
        assert response.status_code == 403
        assert response.json()["detail"]["error"] == "bearer_required"


async def test_expired_access_token(client: httpx.AsyncClient, user: AuthedUser) -> None:
    from xentree.kit.time import clock

    clock.advance(901)
    response = await client.get("/api/auth/me", headers=user.headers)
    assert response.status_code == 401
    assert response.json()["detail"]["error"] == "token_expired"
