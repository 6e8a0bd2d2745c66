from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.conftest import TEST_SERVICE_KEY
from tests.fixtures.auth import AuthedUser, api_key_headers, make_api_key
from tests.live.conftest import Live
from tests.live.helpers import set_plan
from xentree.kit.time import clock


async def test_quota_of_a_new_free_user(live: Live) -> None:
    response = await live.quota()
    assert response.status_code == 200, response.text
    assert response.json() == {
        "plan": "free",
        "period_start": "2026-03-01T00:00:00Z",
        "period_end": "2026-04-01T00:00:00Z",
        "limit_seconds": 1800,
        "used_seconds": 0,
        "remaining_seconds": 1800,
        "active_session_id": None,
    }


async def test_quota_follows_the_plan(app: FastAPI, live: Live, live_user: AuthedUser) -> None:
    for plan, limit in (("plus", 18000), ("pro", 72000), ("free", 1800)):
        await set_plan(app, live_user.id, plan)
        body = (await live.quota()).json()
        assert (body["plan"], body["limit_seconds"], body["remaining_seconds"]) == (
            plan,
            limit,
            limit,
        )


async def test_quota_counts_usage_and_the_active_session(live: Live) -> None:
    session = await live.started()
    clock.advance(15)
    assert (await live.heartbeat(session["session_id"])).status_code == 200
    body = (await live.quota()).json()
    assert body["used_seconds"] == 15
    assert body["remaining_seconds"] == 1785
    assert body["active_session_id"] == session["session_id"]


async def test_quota_requires_credentials(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/live/quota")
    assert response.status_code == 401
    assert response.json()["detail"]["error"] == "not_authenticated"


async def test_quota_api_key_scopes(
    app: FastAPI, client: httpx.AsyncClient, live_user: AuthedUser
) -> None:
    writer = await make_api_key(app, live_user.id, ["live:write"])
    response = await client.get("/api/live/quota", headers=api_key_headers(writer))
    assert response.status_code == 403
    assert response.json()["detail"]["error"] == "INSUFFICIENT_API_KEY_SCOPE"
    assert response.json()["detail"]["required_scope"] == "live:read"
    reader = await make_api_key(app, live_user.id, ["live:read"])
    response = await client.get("/api/live/quota", headers=api_key_headers(reader))
    assert response.status_code == 200
    assert response.json()["limit_seconds"] == 1800


async def test_quota_rejects_the_service_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/live/quota", headers={"X-Service-Key": TEST_SERVICE_KEY})
    assert response.status_code == 401
