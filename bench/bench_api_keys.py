"""Issue 3 bench: `GET /api/organizations` with `X-API-Key` vs with a bearer token, one run.

.venv/bin/python bench/bench_api_keys.py [--db sqlite|postgres|both] [--duration 5] [--rounds 2]

Both credentials belong to the same user and see the same organization; the two loads alternate
(bearer, key, bearer, key, ...) against the same server so drift hits both alike. Target: the
key's throughput ≥ 80 % of the bearer's (the key lookup is one indexed query on the HMAC).
"""

from __future__ import annotations

import argparse
import statistics

import httpx
from common import Result, base_env, load, postgres_url, register_and_login, server, sqlite_url


def setup(base: str) -> tuple[dict[str, str], dict[str, str]]:
    token = register_and_login(base, "benchkeys")["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    org = httpx.post(
        f"{base}/api/organizations",
        json={"name": "Bench", "slug": "bench-org"},
        headers=bearer,
        timeout=30,
    )
    org.raise_for_status()
    created = httpx.post(
        f"{base}/api/api-keys",
        json={
            "name": "bench",
            "organization_id": org.json()["id"],
            "scopes": ["organizations:read"],
        },
        headers=bearer,
        timeout=30,
    )
    created.raise_for_status()
    key = {"X-API-Key": created.json()["key"]}
    for headers in (bearer, key):
        check = httpx.get(f"{base}/api/organizations", headers=headers, timeout=30)
        check.raise_for_status()
        assert [o["slug"] for o in check.json()] == ["bench-org"], check.text
    return bearer, key


def run(db: str, workers: int, duration: int, connections: int, rounds: int) -> None:
    url = sqlite_url() if db == "sqlite" else postgres_url("xentree_bench_api_keys")
    with server(base_env(url), workers=workers) as base:
        bearer, key = setup(base)
        target = f"{base}/api/organizations"
        load(target, headers=bearer, duration=2, connections=connections)  # warm-up
        by_kind: dict[str, list[Result]] = {"bearer": [], "api_key": []}
        for _ in range(rounds):
            for kind, headers in (("bearer", bearer), ("api_key", key)):
                result = load(
                    target,
                    label=f"{db} w={workers} GET /api/organizations {kind}",
                    headers=headers,
                    duration=duration,
                    connections=connections,
                )
                by_kind[kind].append(result)
                print(result.row())
    bearer_rps = statistics.mean(r.rps for r in by_kind["bearer"])
    key_rps = statistics.mean(r.rps for r in by_kind["api_key"])
    print(
        f"{'':<44} {db} w={workers}: X-API-Key ÷ bearer = {key_rps / bearer_rps:.0%}"
        f" (mean of {rounds} alternating runs; target ≥ 80 %)\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in dbs:
        run(db, args.workers, args.duration, args.connections, args.rounds)


if __name__ == "__main__":
    main()
