"""Exactness under concurrency: nothing is billed twice and usage never exceeds the allowance.

On PostgreSQL the requests below really run in parallel on several pooled connections; on
SQLite they queue on the single writer. Either way the outcome must be exact.
"""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from tests.fixtures.auth import AuthedUser, api_key_headers, make_api_key
from tests.live.conftest import Live
from tests.live.helpers import active_count, sessions_of, set_usage, usage
from tests.live.test_sessions import MARCH
from xentree.kit.time import clock


async def test_twenty_concurrent_heartbeats_bill_the_interval_once(
    app: FastAPI, live: Live, live_user: AuthedUser
) -> None:
    session_id = (await live.started())["session_id"]
    for _ in range(3):
        clock.advance(10)
        responses = await asyncio.gather(*(live.heartbeat(session_id) for _ in range(20)))
        assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    body = (await live.heartbeat(session_id)).json()
    assert body["billed_seconds"] == 30
    assert await usage(app, live_user.id) == {MARCH: 30}


async def test_concurrent_heartbeats_at_the_quota_edge(
    app: FastAPI, live: Live, live_user: AuthedUser
) -> None:
    await set_usage(app, live_user.id, MARCH, 1795)
    session_id = (await live.started())["session_id"]
    clock.advance(30)
    responses = await asyncio.gather(*(live.heartbeat(session_id) for _ in range(20)))
    codes = sorted(r.status_code for r in responses)
    # Exactly one heartbeat runs out of quota and ends the session; the others find it ended.
    assert codes.count(429) == 1, codes
    assert set(codes) <= {409, 429}
    assert await usage(app, live_user.id) == {MARCH: 1800}
    [row] = await sessions_of(app, live_user.id)
    assert (row.status, row.billed_seconds) == ("ended", 5)


async def test_concurrent_starts_open_one_session(
    app: FastAPI, live: Live, live_user: AuthedUser
) -> None:
    responses = await asyncio.gather(*(live.start() for _ in range(10)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 9, codes
    assert await active_count(app, live_user.id) == 1


async def test_start_racing_end(
    app: FastAPI, client: httpx.AsyncClient, live_user: AuthedUser
) -> None:
    # Two clients of one user (a bearer and an API key), as two devices would be.
    key = await make_api_key(app, live_user.id, ["live:write", "live:read"])
    live = Live(client, live_user.headers)
    other = Live(client, api_key_headers(key))
    current = (await live.started())["session_id"]
    billed_by_end = 0
    for _ in range(10):
        clock.advance(5)
        ended, started = await asyncio.gather(live.end(current), other.start())
        assert ended.status_code == 200, ended.text
        assert ended.json()["status"] == "ended"
        billed_by_end += ended.json()["billed_seconds"]
        assert started.status_code in (201, 409), started.text
        assert await active_count(app, live_user.id) <= 1
        if started.status_code == 201:
            current = started.json()["session_id"]
        else:
            current = (await live.started())["session_id"]
    await live.end(current)
    rows = await sessions_of(app, live_user.id)
    assert all(row.status == "ended" for row in rows)
    total = sum(row.billed_seconds for row in rows)
    assert total == billed_by_end == 50  # each 5 s interval billed once
    assert await usage(app, live_user.id) == {MARCH: total}


async def test_concurrent_ends_bill_once(app: FastAPI, live: Live, live_user: AuthedUser) -> None:
    session_id = (await live.started())["session_id"]
    clock.advance(42)
    responses = await asyncio.gather(*(live.end(session_id) for _ in range(10)))
    assert {r.status_code for r in responses} == {200}
    assert {r.json()["billed_seconds"] for r in responses} == {42}
    assert await usage(app, live_user.id) == {MARCH: 42}
