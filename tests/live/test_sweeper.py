"""Expiry of silent sessions: by the sweeper (several at once, in the background) and after a
server process died mid-session."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from tests.conftest import make_settings
from tests.fixtures.auth import AuthedUser, api_key_headers, create_user, make_api_key
from tests.fixtures.server import free_port, settings_env
from tests.live.conftest import Live
from tests.live.helpers import session_row, usage
from tests.live.test_sessions import MARCH
from xentree.config import Settings
from xentree.kit.time import clock
from xentree.live.service import LiveService
from xentree.live.tasks import sweep_once
from xentree.main import create_app


async def test_sweep_expires_silent_sessions_at_their_last_heartbeat(
    app: FastAPI, client: httpx.AsyncClient, live: Live, live_user: AuthedUser
) -> None:
    session_id = (await live.started())["session_id"]
    clock.advance(14)
    await live.heartbeat(session_id)
    service = LiveService(app.state.settings)
    clock.advance(60)  # exactly at the timeout: not yet stale
    assert await sweep_once(app.state.sessionmaker, service) == 0
    clock.advance(1)
    assert await sweep_once(app.state.sessionmaker, service) == 1
    row = await session_row(app, session_id)
    assert (row.status, row.billed_seconds, row.end_reason) == ("expired", 14, "stale")
    assert row.ended_at == datetime(2026, 3, 10, 12, 0, 14, tzinfo=UTC)
    assert await sweep_once(app.state.sessionmaker, service) == 0
    assert await usage(app, live_user.id) == {MARCH: 14}


async def test_concurrent_sweeps_close_each_session_once(
    app: FastAPI, client: httpx.AsyncClient, frozen: datetime
) -> None:
    users = [await create_user(client) for _ in range(5)]
    ids = []
    for user in users:
        live = Live(client, user.headers)
        ids.append((await live.started())["session_id"])
        clock.advance(3)
        await live.heartbeat(ids[-1])
    clock.advance(120)
    service = LiveService(app.state.settings)
    # Several sweepers at once, as several server processes would run them.
    closed = await asyncio.gather(*(sweep_once(app.state.sessionmaker, service) for _ in range(4)))
    assert sum(closed) == 5
    for user, session_id in zip(users, ids, strict=True):
        row = await session_row(app, session_id)
        assert (row.status, row.billed_seconds) == ("expired", 3)
        assert sum((await usage(app, user.id)).values()) == 3


async def test_sweep_closes_sessions_past_their_maximum_duration(
    app: FastAPI, live: Live, live_user: AuthedUser
) -> None:
    session_id = (await live.started())["session_id"]
    # Keep it alive by hand-moving the last heartbeat is not possible through the API without
    # billing, so use a very short maximum for this service.
    settings = app.state.settings.model_copy(update={"live_max_duration_seconds": 60})
    clock.advance(30)
    await live.heartbeat(session_id)
    clock.advance(45)  # 75 s after the start, 45 s after the last heartbeat: not stale
    assert await sweep_once(app.state.sessionmaker, LiveService(settings)) == 1
    row = await session_row(app, session_id)
    assert (row.status, row.billed_seconds, row.end_reason) == ("ended", 60, "max_duration")


async def test_background_sweeper_runs_inside_the_app(
    database_url: str, client: httpx.AsyncClient, live: Live, live_user: AuthedUser
) -> None:
    session_id = (await live.started())["session_id"]
    clock.advance(61)
    settings = make_settings(database_url, live_sweeper_interval_seconds=0.05)
    other = create_app(settings)
    async with other.router.lifespan_context(other):
        deadline = time.monotonic() + 10
        while (await session_row(other, session_id)).status == "active":
            assert time.monotonic() < deadline, "the sweeper did not close the session"
            await asyncio.sleep(0.05)
    assert (await session_row(other, session_id)).status == "expired"


async def test_a_crashed_server_leaves_no_unbilled_or_overbilled_session(
    app: FastAPI, settings: Settings, live_user: AuthedUser
) -> None:
    """A server process is killed mid-session; the survivor expires the session lazily."""
    clock.reset()  # the real process runs on the real clock
    crash_settings = settings.model_copy(update={"live_sweeper_interval_seconds": 3600})
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "xentree",
        "serve",
        "--port",
        str(port),
        env=settings_env(crash_settings),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            for _ in range(300):
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
            token = (
                await http.post(
                    "/api/auth/login",
                    data={"username": live_user.username, "password": live_user.password},
                )
            ).json()["access_token"]
            remote = Live(http, {"Authorization": f"Bearer {token}"})
            session_id = (await remote.started())["session_id"]
            heartbeat = (await remote.heartbeat(session_id)).json()
    finally:
        os.kill(process.pid, signal.SIGKILL)  # no graceful shutdown: a crash
        await process.wait()
    row = await session_row(app, session_id)
    assert row.status == "active"
    # Later, any request of the user on a surviving process closes it at the last heartbeat.
    clock.advance(61)
    key = await make_api_key(app, live_user.id, ["live:read"])
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as local:
        response = await Live(local, api_key_headers(key)).quota()
        assert response.status_code == 200, response.text
        quota = response.json()
    assert quota["active_session_id"] is None
    row = await session_row(app, session_id)
    assert row.status == "expired"
    assert row.billed_seconds == heartbeat["billed_seconds"]
    assert row.ended_at is not None
    assert row.ended_at.isoformat().replace("+00:00", "Z") == heartbeat["last_heartbeat_at"]
    assert quota["used_seconds"] == row.billed_seconds
    uuid.UUID(session_id)
