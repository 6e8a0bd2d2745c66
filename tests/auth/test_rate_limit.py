from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import make_settings
from tests.fixtures.auth import PASSWORD, register
from xentree.config import Settings
from xentree.main import create_app

pytestmark = pytest.mark.usefixtures("app")


async def bad_login(client: httpx.AsyncClient, username: str) -> httpx.Response:
    return await client.post(
        "/api/auth/login", data={"username": username, "password": "wrong-password-1"}
    )


async def test_failed_logins_are_limited_per_account(client: httpx.AsyncClient) -> None:
    await register(client, "henry")
    for attempt in range(10):
        response = await bad_login(client, "henry")
        assert response.status_code == 401
        assert response.headers["ratelimit-limit"] == "10"
        assert response.headers["ratelimit-remaining"] == str(9 - attempt)
        assert 0 < int(response.headers["ratelimit-reset"]) <= 300
    blocked = await bad_login(client, "HENRY")  # the account key is case-insensitive
    assert blocked.status_code == 429
    assert blocked.json()["detail"]["error"] == "rate_limited"
    assert 0 < int(blocked.headers["retry-after"]) <= 300
    assert blocked.headers["ratelimit-remaining"] == "0"
    # Even the right password is refused while the account is locked...
    right = await client.post("/api/auth/login", data={"username": "henry", "password": PASSWORD})
    assert right.status_code == 429
    # ...but other accounts from the same address are not.
    await register(client, "irene")
    ok = await client.post("/api/auth/login", data={"username": "irene", "password": PASSWORD})
    assert ok.status_code == 200
    # Headers describe the tighter of the two limits: irene's account (10 left), not the
    # address (50 - 10 failures = 40 left).
    assert ok.headers["ratelimit-limit"] == "10"
    assert ok.headers["ratelimit-remaining"] == "10"


async def test_successful_logins_do_not_count(client: httpx.AsyncClient) -> None:
    await register(client, "jack")
    for _ in range(15):
        response = await client.post(
            "/api/auth/login", data={"username": "jack", "password": PASSWORD}
        )
        assert response.status_code == 200
        assert response.headers["ratelimit-remaining"] == "10"


@asynccontextmanager
async def app_client(settings: Settings, ip: str) -> AsyncIterator[httpx.AsyncClient]:
    application: FastAPI = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=(ip, 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            yield http


async def test_failed_logins_are_limited_per_ip(database_url: str) -> None:
    settings = make_settings(database_url, login_max_failures_per_ip=3)
    async with app_client(settings, "203.0.113.7") as attacker:
        for name in ("u1", "u2", "u3"):
            assert (await bad_login(attacker, name)).status_code == 401
        blocked = await bad_login(attacker, "u4")
        assert blocked.status_code == 429
        assert blocked.headers["ratelimit-limit"] == "3"
        assert int(blocked.headers["retry-after"]) >= 1
    async with app_client(settings, "198.51.100.1") as bystander:
        assert (await bad_login(bystander, "u5")).status_code == 401


async def test_forwarded_for_only_from_trusted_proxies(database_url: str) -> None:
    settings = make_settings(
        database_url, login_max_failures_per_ip=1, trusted_proxies=["10.0.0.0/8"]
    )
    async with app_client(settings, "10.1.2.3") as proxy:
        first = await proxy.post(
            "/api/auth/login",
            data={"username": "p1", "password": "wrong-password-1"},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert first.status_code == 401
        other_client = await proxy.post(
            "/api/auth/login",
            data={"username": "p2", "password": "wrong-password-1"},
            headers={"X-Forwarded-For": "203.0.113.10"},
        )
        assert other_client.status_code == 401  # a different real client behind the proxy
        same_client = await proxy.post(
            "/api/auth/login",
            data={"username": "p3", "password": "wrong-password-1"},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert same_client.status_code == 429
    async with app_client(settings, "192.0.2.50") as direct:
        await bad_login(direct, "p4")
        # An untrusted peer cannot dodge its limit by inventing X-Forwarded-For.
        spoofed = await direct.post(
            "/api/auth/login",
            data={"username": "p5", "password": "wrong-password-1"},
            headers={"X-Forwarded-For": "198.51.100.77"},
        )
        assert spoofed.status_code == 429


@pytest.mark.skipif(
    not os.environ.get("XENTREE_TEST_REDIS_URL"), reason="needs XENTREE_TEST_REDIS_URL"
)
async def test_counters_are_shared_through_redis(database_url: str) -> None:
    settings = make_settings(database_url, login_max_failures_per_account=2)
    shared_prefix = settings.redis_prefix
    other = make_settings(
        database_url, login_max_failures_per_account=2, redis_prefix=shared_prefix
    )
    async with app_client(settings, "192.0.2.1") as first, app_client(other, "192.0.2.2") as second:
        assert (await bad_login(first, "shared-user")).status_code == 401
        assert (await bad_login(second, "shared-user")).status_code == 401
        assert (await bad_login(first, "shared-user")).status_code == 429
        assert (await bad_login(second, "shared-user")).status_code == 429
