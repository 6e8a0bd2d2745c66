"""Two server processes on one database drive the same user at the same time.

Real processes run on the real clock, so this test lets real seconds pass (a 4-second
allowance is used up by heartbeats); everything else in this suite moves the clock instead.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
from fastapi import FastAPI

from tests.conftest import make_settings
from tests.fixtures.auth import PASSWORD, register
from tests.fixtures.server import running_server
from tests.live.conftest import Live
from tests.live.helpers import active_count, sessions_of, usage

ALLOWANCE = 4


async def _login(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await http.post("/api/auth/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_two_processes_never_double_bill_one_user(app: FastAPI, database_url: str) -> None:
    settings = make_settings(
        database_url,
        live_quota_free_seconds=ALLOWANCE,
        # Both processes also sweep, often, to race the requests as well.
        live_sweeper_interval_seconds=0.2,
    )
    with running_server(settings) as url_a, running_server(settings) as url_b:
        async with (
            httpx.AsyncClient(base_url=url_a, timeout=30) as http_a,
            httpx.AsyncClient(base_url=url_b, timeout=30) as http_b,
        ):
            profile = await register(http_a)
            a = Live(http_a, await _login(http_a, profile["username"]))
            b = Live(http_b, await _login(http_b, profile["username"]))

            starts = await asyncio.gather(*(side.start() for side in (a, b) * 5))
            codes = Counter(r.status_code for r in starts)
            assert codes == {201: 1, 409: 9}, codes
            session_id = next(r.json()["session_id"] for r in starts if r.status_code == 201)

            seen: Counter[int] = Counter()
            deadline = time.monotonic() + 20
            while seen[429] == 0 and seen[409] == 0:
                assert time.monotonic() < deadline, seen
                beats = await asyncio.gather(*(side.heartbeat(session_id) for side in (a, b) * 5))
                seen.update(r.status_code for r in beats)
                assert set(seen) <= {200, 409, 429}, [r.text for r in beats]
                await asyncio.sleep(0.25)
            # The quota ran out: exactly one heartbeat said so and ended the session.
            assert seen[429] == 1, seen
            ends = await asyncio.gather(a.end(session_id), b.end(session_id))
            assert {r.json()["status"] for r in ends} == {"ended"}
            assert {r.json()["billed_seconds"] for r in ends} == {ALLOWANCE}
            after = await a.start()
            assert after.status_code == 429
    rows = await sessions_of(app, profile["id"])
    assert [(row.status, row.billed_seconds) for row in rows] == [("ended", ALLOWANCE)]
    assert sum((await usage(app, profile["id"])).values()) == ALLOWANCE
    assert await active_count(app, profile["id"]) == 0
