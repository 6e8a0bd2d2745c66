"""Session lifecycle and billing by the server clock (the clock is moved, never slept on)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.auth import AuthedUser, UserFactory, api_key_headers, make_api_key
from tests.live.conftest import Live
from tests.live.helpers import session_row, sessions_of, set_plan, set_usage, usage
from xentree.kit.time import clock

MARCH = date(2026, 3, 1)
QUOTA_BODY = {
    "detail": {"error": "live_quota_exceeded", "message": "Monthly Live session quota exceeded"}
}


# --- start ------------------------------------------------------------------------------------


async def test_start_returns_the_session(live: Live, frozen: datetime) -> None:
    response = await live.start("avatar")
    assert response.status_code == 201, response.text
    body = response.json()
    uuid.UUID(body["session_id"])
    assert body == {
        "session_id": body["session_id"],
        "session_type": "avatar",
        "status": "active",
        "started_at": "2026-03-10T12:00:00Z",
        "last_heartbeat_at": "2026-03-10T12:00:00Z",
        "ended_at": None,
        "billed_seconds": 0,
        "remaining_seconds": 1800,
        "heartbeat_interval_seconds": 15,
        "max_duration_seconds": 3600,
    }


async def test_start_while_active_is_409(live: Live) -> None:
    first = await live.started()
    clock.advance(30)
    response = await live.start()
    assert response.status_code == 409
    assert response.json()["detail"]["error"] == "live_session_active"
    assert response.json()["detail"]["session_id"] == first["session_id"]


async def test_start_expires_a_stale_session_first(app: FastAPI, live: Live) -> None:
    first = await live.started()
    clock.advance(20)
    assert (await live.heartbeat(first["session_id"])).json()["billed_seconds"] == 20
    clock.advance(61)  # silent for more than the 60 s stale timeout
    second = await live.start()
    assert second.status_code == 201, second.text
    old = await session_row(app, first["session_id"])
    assert old.status == "expired"
    assert old.billed_seconds == 20  # billed only up to its last heartbeat
    assert old.ended_at == datetime(2026, 3, 10, 12, 0, 20, tzinfo=UTC)
    assert (await live.quota()).json()["used_seconds"] == 20


async def test_start_without_quota_is_429_with_the_documented_body(
    app: FastAPI, live: Live, live_user: AuthedUser
) -> None:
    await set_usage(app, live_user.id, MARCH, 1800)
    response = await live.start()
    assert response.status_code == 429
    assert response.json() == QUOTA_BODY
    # Retry-After points at the start of the next month.
    expected = int((datetime(2026, 4, 1, tzinfo=UTC) - clock.now()).total_seconds())
    assert int(response.headers["retry-after"]) == expected
    assert await sessions_of(app, live_user.id) == []


@pytest.mark.parametrize(
    "body",
    [{}, {"session_type": "video"}, {"session_type": 3}, {"session_type": "voice", "extra": 1}],
)
async def test_start_validation(live: Live, body: dict[str, object]) -> None:
    response = await live.client.post("/api/live/session/start", json=body, headers=live.headers)
    assert response.status_code == 400
    assert response.json()["detail"]["error"] == "validation_error"


async def test_start_needs_live_write(
    app: FastAPI, client: httpx.AsyncClient, live_user: AuthedUser
) -> None:
    assert (
        await client.post("/api/live/session/start", json={"session_type": "voice"})
    ).status_code == 401
    reader = await make_api_key(app, live_user.id, ["live:read"])
    response = await client.post(
        "/api/live/session/start", json={"session_type": "voice"}, headers=api_key_headers(reader)
    )
    assert response.status_code == 403
    assert response.json()["detail"]["required_scope"] == "live:write"
    writer = await make_api_key(app, live_user.id, ["live:write"])
    response = await client.post(
        "/api/live/session/start", json={"session_type": "voice"}, headers=api_key_headers(writer)
    )
    assert response.status_code == 201


# --- heartbeat --------------------------------------------------------------------------------


async def test_heartbeat_bills_server_time_since_the_previous_one(
    app: FastAPI, live: Live, live_user: AuthedUser
) -> None:
    session_id = (await live.started())["session_id"]
    clock.advance(15)
    body = (await live.heartbeat(session_id)).json()
    assert (body["billed_seconds"], body["remaining_seconds"]) == (15, 1785)
    assert body["last_heartbeat_at"] == "2026-03-10T12:00:15Z"
    clock.advance(15.6)
    assert (await live.heartbeat(session_id)).json()["billed_seconds"] == 30
    # The 0.6 s remainder is carried, not lost and not rounded up.
    clock.advance(0.5)
    assert (await live.heartbeat(session_id)).json()["billed_seconds"] == 31
    assert await usage(app, live_user.id) == {MARCH: 31}


async def test_heartbeat_bills_up_to_the_stale_timeout(live: Live) -> None:
    session_id = (await live.started())["session_id"]
    clock.advance(60)  # exactly the stale timeout: still alive
    body = (await live.heartbeat(session_id)).json()
    assert (body["status"], body["billed_seconds"]) == ("active", 60)


async def test_heartbeat_after_silence_expires_the_session(app: FastAPI, live: Live) -> None:
    session_id = (await live.started())["session_id"]
    clock.advance(10)
    await live.heartbeat(session_id)
    clock.advance(60.5)
    response = await live.heartbeat(session_id)
    assert response.status_code == 409
    assert response.json()["detail"]["error"] == "live_session_not_active"
    assert response.json()["detail"]["status"] == "expired"
    row = await session_row(app, session_id)
    assert (row.status, row.billed_seconds, row.end_reason) == ("expired", 10, "stale")
    assert (await live.quota()).json()["used_seconds"] == 10


async def test_heartbeat_on_an_ended_session_is_409(live: Live) -> None:
    session_id = (await live.started())["session_id"]
    await live.end(session_id)
    response = await live.heartbeat(session_id)
    assert response.status_code == 409
    assert response.json()["detail"]["status"] == "ended"


async def test_heartbeat_of_another_users_session_is_404(
    live: Live, client: httpx.AsyncClient, user_factory: UserFactory
) -> None:
    session_id = (await live.started())["session_id"]
    other = Live(client, (await user_factory()).headers)
    assert (await other.heartbeat(session_id)).status_code == 404
    assert (await other.end(session_id)).status_code == 404
    assert (await live.heartbeat(str(uuid.uuid4()))).status_code == 404


@pytest.mark.parametrize("body", [{}, {"session_id": "nope"}, {"session_id": 5}])
async def test_heartbeat_and_end_validation(live: Live, body: dict[str, object]) -> None:
    for path in ("/api/live/session/heartbeat", "/api/live/session/end"):
        response = await live.client.post(path, json=body, headers=live.headers)
        assert response.status_code == 400
        assert response.json()["detail"]["error"] == "validation_error"


async def test_heartbeat_that_exhausts_the_quota_ends_the_session(
    app: FastAPI, live: Live, live_user: AuthedUser
) -> None:
    await set_usage(app, live_user.id, MARCH, 1790)
    session_id = (await live.started())["session_id"]
    clock.advance(15)
    response = await live.heartbeat(session_id)
    assert response.status_code == 429
    assert response.json() == QUOTA_BODY
    assert "retry-after" in response.headers
    row = await session_row(app, session_id)
    assert (row.status, row.billed_seconds, row.end_reason) == ("ended", 10, "quota_exhausted")
    assert await usage(app, live_user.id) == {MARCH: 1800}  # never beyond the allowance
    assert (await live.start()).status_code == 429


async def test_max_duration_caps_a_session(
    app: FastAPI, client: httpx.AsyncClient, live_user: AuthedUser
) -> None:
    await set_plan(app, live_user.id, "pro")
    # An API key does not expire while the clock moves an hour.
    live = Live(client, api_key_headers(await make_api_key(app, live_user.id, ["live:write"])))
    session_id = (await live.started())["session_id"]
    for _ in range(59):
        clock.advance(60)
        assert (await live.heartbeat(session_id)).json()["status"] == "active"
    clock.advance(45)  # 3,585 s
    assert (await live.heartbeat(session_id)).json()["billed_seconds"] == 3585
    clock.advance(30)  # past the 3,600 s maximum
    body = (await live.heartbeat(session_id)).json()
    assert (body["status"], body["billed_seconds"]) == ("ended", 3600)
    row = await session_row(app, session_id)
    assert row.end_reason == "max_duration"
    assert row.ended_at == datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
    assert await usage(app, live_user.id) == {MARCH: 3600}


# --- end --------------------------------------------------------------------------------------


async def test_end_bills_and_is_idempotent(app: FastAPI, live: Live, live_user: AuthedUser) -> None:
    session_id = (await live.started())["session_id"]
    clock.advance(15)
    await live.heartbeat(session_id)
    clock.advance(7)
    first = await live.end(session_id)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["status"], body["billed_seconds"]) == ("ended", 22)
    assert body["ended_at"] == "2026-03-10T12:00:22Z"
    clock.advance(40)
    again = await live.end(session_id)
    assert again.status_code == 200
    assert {k: v for k, v in again.json().items() if k != "remaining_seconds"} == {
        k: v for k, v in body.items() if k != "remaining_seconds"
    }
    assert await usage(app, live_user.id) == {MARCH: 22}
    assert (await live.quota()).json()["active_session_id"] is None


async def test_end_of_an_expired_session_returns_it_unchanged(app: FastAPI, live: Live) -> None:
    session_id = (await live.started())["session_id"]
    clock.advance(12)
    await live.heartbeat(session_id)
    clock.advance(300)
    body = (await live.end(session_id)).json()
    assert (body["status"], body["billed_seconds"]) == ("expired", 12)
    assert body["ended_at"] == "2026-03-10T12:00:12Z"


async def test_end_needs_live_write(
    app: FastAPI, client: httpx.AsyncClient, live: Live, live_user: AuthedUser
) -> None:
    session_id = (await live.started())["session_id"]
    reader = await make_api_key(app, live_user.id, ["live:read"])
    for path in ("/api/live/session/end", "/api/live/session/heartbeat"):
        response = await client.post(
            path, json={"session_id": session_id}, headers=api_key_headers(reader)
        )
        assert response.status_code == 403
        assert (await client.post(path, json={"session_id": session_id})).status_code == 401


# --- the month ----------------------------------------------------------------------------------


async def test_billing_splits_at_the_month_boundary(
    app: FastAPI, client: httpx.AsyncClient, user_factory: UserFactory
) -> None:
    clock.freeze(datetime(2026, 3, 31, 23, 59, 30, tzinfo=UTC))
    user = await user_factory()
    live = Live(client, user.headers)
    session_id = (await live.started())["session_id"]
    clock.advance(20)
    await live.heartbeat(session_id)
    clock.advance(20)  # 00:00:10 on 1 April
    body = (await live.heartbeat(session_id)).json()
    assert body["billed_seconds"] == 40
    assert await usage(app, user.id) == {MARCH: 30, date(2026, 4, 1): 10}
    quota = (await live.quota()).json()
    assert quota["period_start"] == "2026-04-01T00:00:00Z"
    assert (quota["used_seconds"], body["remaining_seconds"]) == (10, 1790)


async def test_a_new_month_restores_the_allowance(
    app: FastAPI, client: httpx.AsyncClient, user_factory: UserFactory
) -> None:
    clock.freeze(datetime(2026, 3, 31, 23, 55, tzinfo=UTC))
    user = await user_factory()
    live = Live(client, user.headers)
    await set_usage(app, user.id, MARCH, 1800)
    assert (await live.start()).status_code == 429
    clock.freeze(datetime(2026, 4, 1, 0, 0, 1, tzinfo=UTC))
    response = await live.start()
    assert response.status_code == 201
    assert response.json()["remaining_seconds"] == 1800


async def test_month_boundary_capped_by_the_old_months_allowance(
    app: FastAPI, client: httpx.AsyncClient, user_factory: UserFactory
) -> None:
    clock.freeze(datetime(2026, 3, 31, 23, 59, 30, tzinfo=UTC))
    user = await user_factory()
    live = Live(client, user.headers)
    await set_usage(app, user.id, MARCH, 1790)
    session_id = (await live.started())["session_id"]
    clock.advance(50)  # 30 s in March (10 left there) and 20 s in April
    body = (await live.heartbeat(session_id)).json()
    assert (body["status"], body["billed_seconds"]) == ("active", 30)
    assert await usage(app, user.id) == {MARCH: 1800, date(2026, 4, 1): 20}
