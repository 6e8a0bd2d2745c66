"""Issue 5 bench: read cost of the XP endpoints does not grow with the ledger.

Three users hold 10, 10,000 and 100,000 ledger events spread over the last three years, written
through the real `award()` (ledger + daily rollups + streak state, as the feeds do), then wrk
measures p50 of `learning-pulse`, `weekly-activity`, `streak-status` and `profile` for each user
against one `xentree serve` process. Reads use the account row and at most 365 rollup rows, never
the ledger, so the 100k-event user must stay within 2x of the 10-event user.

    .venv/bin/python bench/bench_xp.py [--db sqlite|postgres|both] [--duration 5]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from common import ROOT, SECRET, Result, base_env, load, migrate, postgres_url, server, sqlite_url

sys.path.insert(0, str(ROOT / "src"))

from xentree.config import Settings
from xentree.gamification.service import award
from xentree.kit.db import create_engine, create_sessionmaker

PASSWORD = "bench-password-1234567"
SIZES = (10, 10_000, 100_000)
ENDPOINTS = ("learning-pulse", "weekly-activity", "streak-status", "profile")
SOURCES = (("live", 40, 600), ("xel_task", 15, 120), ("xel_evaluation", 15, 300), ("chat", 1, 30))


async def seed(database_url: str, user_id: uuid.UUID, events: int, batch: int = 2000) -> float:
    """Award `events` events over the last three years, in time order; returns seconds taken."""
    settings = Settings(database_url=database_url, secret_key=SECRET)  # type: ignore[call-arg]
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    rng = random.Random(events)
    now = datetime.now(UTC)
    span = int(timedelta(days=3 * 365).total_seconds())
    offsets = sorted(rng.randrange(span) for _ in range(events))
    started = time.perf_counter()
    try:
        for first in range(0, events, batch):
            async with sessionmaker() as session:
                for n in range(first, min(first + batch, events)):
                    source, amount, seconds = SOURCES[n % len(SOURCES)]
                    await award(
                        session,
                        user_id=user_id,
                        source=source,
                        source_ref=f"bench-{user_id}-{n}",
                        amount=amount,
                        occurred_at=now - timedelta(seconds=span - offsets[n]),
                        seconds=seconds,
                    )
                await session.commit()
    finally:
        await engine.dispose()
    return time.perf_counter() - started


def register(base: str, name: str) -> uuid.UUID:
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    response = httpx.post(f"{base}/api/auth/register", json=body, timeout=30)
    response.raise_for_status()
    return uuid.UUID(response.json()["id"])


def login(base: str, name: str) -> str:
    response = httpx.post(
        f"{base}/api/auth/login", data={"username": name, "password": PASSWORD}, timeout=30
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def run(db: str, duration: int, connections: int) -> dict[tuple[str, int], Result]:
    url = sqlite_url() if db == "sqlite" else postgres_url("xentree_bench_xp")
    env = base_env(url)
    migrate(env)
    results: dict[tuple[str, int], Result] = {}
    run_id = uuid.uuid4().hex[:6]
    with server(env, workers=1) as base:
        names = {size: f"xp{run_id}_{size}" for size in SIZES}
        for size, name in names.items():
            user_id = register(base, name)
            took = asyncio.run(seed(url, user_id, size))
            print(f"{db}: seeded {size:>7} events through award() in {took:6.1f} s", flush=True)
        tokens = {size: login(base, name) for size, name in names.items()}
        for size in SIZES:  # warm up every path once
            for endpoint in ENDPOINTS:
                headers = {"Authorization": f"Bearer {tokens[size]}"}
                httpx.get(
                    f"{base}/api/xp/{endpoint}", headers=headers, timeout=30
                ).raise_for_status()
        # Interleave users per endpoint, so drift of the machine hits all sizes alike.
        for endpoint in ENDPOINTS:
            for size in SIZES:
                result = load(
                    f"{base}/api/xp/{endpoint}",
                    label=f"{db} {endpoint} ({size} events)",
                    headers={"Authorization": f"Bearer {tokens[size]}"},
                    duration=duration,
                    connections=connections,
                )
                print(result.row(), flush=True)
                results[(endpoint, size)] = result
    return results


def table(db: str, results: dict[tuple[str, int], Result]) -> str:
    lines = [
        f"| {db} | p50 10 ev | p50 10k ev | p50 100k ev | 100k ÷ 10 | req/s 10 | req/s 100k |",
        "|---|---|---|---|---|---|---|",
    ]
    for endpoint in ENDPOINTS:
        small, mid, big = (results[(endpoint, size)] for size in SIZES)
        lines.append(
            f"| {endpoint} | {small.p50_ms:.2f} ms | {mid.p50_ms:.2f} ms | {big.p50_ms:.2f} ms"
            f" | {big.p50_ms / small.p50_ms:.2f}x | {small.rps:.0f} | {big.rps:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    tables = []
    failed = False
    for db in dbs:
        results = run(db, args.duration, args.connections)
        tables.append(table(db, results))
        for endpoint in ENDPOINTS:
            ratio = results[(endpoint, SIZES[-1])].p50_ms / results[(endpoint, SIZES[0])].p50_ms
            failed |= ratio > 2
            failed |= any(results[(endpoint, size)].errors for size in SIZES)
    print()
    print("\n\n".join(tables))
    if failed:
        raise SystemExit("a 100k-event user is more than 2x slower than a 10-event user, or errors")


if __name__ == "__main__":
    main()
