"""Issue 4 bench: Live heartbeat throughput vs `GET /healthz`, measured in the same run.

PostgreSQL with 2 workers and SQLite with 1 worker; 200 users each hold one active session and
wrk's connections send `POST /api/live/session/heartbeat` for them round-robin (every heartbeat
is a real billing step: user row lock, session row lock, usage upsert, commit).

    .venv/bin/python bench/bench_live.py [--db sqlite|postgres|both] [--duration 8] [--sessions 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid

import httpx
from common import Result, base_env, load, postgres_url, server, sqlite_url

PASSWORD = "bench-password-1234567"

_SCRIPT = """
local creds = {{
{creds}
}}
local i = 0
local errors = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  local c = creds[(i % #creds) + 1]
  wrk.headers["Authorization"] = c[1]
  return wrk.format("POST", "/api/live/session/heartbeat", nil, c[2])
end
response = function(status, headers, body)
  if status >= 300 then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("XENTREE %d %d %f %f %d %d %d %d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, 0, 0))
end
"""


async def open_sessions(base: str, count: int) -> list[tuple[str, str]]:
    """Register `count` users, log each in and start a session; (token, session id) pairs."""
    run = uuid.uuid4().hex[:6]
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        gate = asyncio.Semaphore(16)

        async def one(n: int) -> tuple[str, str]:
            async with gate:
                name = f"live{run}_{n}"
                email = f"{name}@example.com"
                body = {"username": name, "email": email, "password": PASSWORD}
                (await http.post("/api/auth/register", json=body)).raise_for_status()
                login = await http.post(
                    "/api/auth/login", data={"username": name, "password": PASSWORD}
                )
                login.raise_for_status()
                token = login.json()["access_token"]
                started = await http.post(
                    "/api/live/session/start",
                    json={"session_type": "voice"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                started.raise_for_status()
                return token, started.json()["session_id"]

        return list(await asyncio.gather(*(one(n) for n in range(count))))


def heartbeat_script(pairs: list[tuple[str, str]]) -> str:
    creds = ",\n".join(
        f"  {{{json.dumps('Bearer ' + token)}, {json.dumps(json.dumps({'session_id': sid}))}}}"
        for token, sid in pairs
    )
    return _SCRIPT.format(creds=creds)


def run(db: str, workers: int, sessions: int, duration: int) -> tuple[Result, Result, Result]:
    url = sqlite_url() if db == "sqlite" else postgres_url("xentree_bench_live")
    env = base_env(
        url,
        # Cheap password hashing: the bench measures heartbeats, not the 400 logins of setup.
        XENTREE_ARGON2_TIME_COST="1",
        XENTREE_ARGON2_MEMORY_COST_KIB="1024",
        XENTREE_ARGON2_PARALLELISM="1",
        XENTREE_LOGIN_MAX_FAILURES_PER_IP="100000",
    )
    with server(env, workers=workers) as base:
        health = load(
            f"{base}/healthz",
            label=f"{db} w={workers} GET /healthz",
            duration=duration,
            connections=sessions,
        )
        pairs = asyncio.run(open_sessions(base, sessions))
        # Reference: an authenticated request that reads one row and writes nothing.
        me = load(
            f"{base}/api/auth/me",
            label=f"{db} w={workers} GET /api/auth/me",
            headers={"Authorization": f"Bearer {pairs[0][0]}"},
            duration=duration,
            connections=sessions,
        )
        beat = load(
            f"{base}/api/live/session/heartbeat",
            label=f"{db} w={workers} POST heartbeat x{sessions}",
            duration=duration,
            connections=sessions,
            script=heartbeat_script(pairs),
        )
    return health, me, beat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--sessions", type=int, default=200)
    args = parser.parse_args()
    plan = {"postgres": 2, "sqlite": 1}
    dbs = ["postgres", "sqlite"] if args.db == "both" else [args.db]
    for db in dbs:
        health, me, beat = run(db, plan[db], args.sessions, args.duration)
        print(health.row())
        print(me.row())
        print(beat.row())
        print(
            f"{'':<44} heartbeat ÷ /healthz: {beat.rps / health.rps:.0%} of req/s, "
            f"p99 {beat.p99_ms / health.p99_ms:.1f}×; heartbeat ÷ /api/auth/me: "
            f"{beat.rps / me.rps:.0%}\n"
        )


if __name__ == "__main__":
    main()
