"""Issue 2 bench: `GET /healthz` vs `GET /api/auth/me` (valid bearer), 1 worker then 2, one run.

.venv/bin/python bench/bench_auth.py [--db sqlite|postgres|both] [--duration 5]
"""

from __future__ import annotations

import argparse

from common import Result, base_env, load, postgres_url, register_and_login, server, sqlite_url


def run(db: str, workers: int, duration: int, connections: int) -> tuple[Result, Result]:
    url = sqlite_url() if db == "sqlite" else postgres_url("xentree_bench_auth")
    with server(base_env(url), workers=workers) as base:
        token = register_and_login(base)["access_token"]
        health = load(
            f"{base}/healthz",
            label=f"{db} w={workers} GET /healthz",
            duration=duration,
            connections=connections,
        )
        me = load(
            f"{base}/api/auth/me",
            label=f"{db} w={workers} GET /api/auth/me",
            headers={"Authorization": f"Bearer {token}"},
            duration=duration,
            connections=connections,
        )
    return health, me


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in dbs:
        for workers in (1, 2):
            health, me = run(db, workers, args.duration, args.connections)
            print(health.row())
            print(me.row())
            print(f"{'':<44} /api/auth/me ÷ /healthz = {me.rps / health.rps:.0%}\n")


if __name__ == "__main__":
    main()
