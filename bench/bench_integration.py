"""Issue 6 bench: `POST /api/integration/verify` vs a raw PyJWT RS256 decode loop, one run.

    .venv/bin/python bench/bench_integration.py [--db sqlite|postgres|both] [--duration 5]

The server side is a real `xentree serve` process driven by wrk (API-key caller, a valid token);
the raw side decodes the same token with the same public key in this process, single-threaded,
for the same duration. Their ratio is what the HTTP stack, the credential check, the key lookup
and the revocation check cost on top of the RSA signature check itself. A third row decodes
with the key re-parsed from its JWK each time: what the per-process key cache saves.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

import httpx
import jwt
from common import Result, base_env, load, postgres_url, register_and_login, server, sqlite_url

from xentree.auth.credentials import API_KEY_DISPLAY_PREFIX, ApiKeyHasher, generate_api_key
from xentree.kit.time import utcnow
from xentree.models import ApiKey, Organization, OrganizationMember

AUDIENCE = "xentree-integration"


async def _seed(database_url: str, secret: str, user_id: str) -> tuple[str, str]:
    """An organization owned by the user and an `integrations:read` API key in it."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from xentree.kit.db import create_sessionmaker

    engine = create_async_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            org = Organization(
                name="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}", created_at=utcnow()
            )
            session.add(org)
            await session.flush()
            session.add(
                OrganizationMember(
                    organization_id=org.id,
                    user_id=uuid.UUID(user_id),
                    role="owner",
                    joined_at=utcnow(),
                )
            )
            key = generate_api_key()
            session.add(
                ApiKey(
                    name="bench",
                    prefix=key[:API_KEY_DISPLAY_PREFIX],
                    key_hash=ApiKeyHasher(secret).hash(key),
                    organization_id=org.id,
                    created_by=uuid.UUID(user_id),
                    scopes=["integrations:read", "integrations:write"],
                    allowed_ips=[],
                    created_at=utcnow(),
                )
            )
            await session.commit()
            return str(org.id), key
    finally:
        await engine.dispose()


def raw_decode_loop(token: str, jwk: dict[str, str], duration: float, *, cached: bool) -> Result:
    key = jwt.PyJWK(jwk).key
    count = 0
    deadline = time.perf_counter() + duration
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        for _ in range(100):
            verifying_key = key if cached else jwt.PyJWK(jwk).key
            jwt.decode(token, verifying_key, algorithms=["RS256"], audience=AUDIENCE)
        count += 100
    elapsed = time.perf_counter() - started
    label = "raw PyJWT RS256 decode" + ("" if cached else " (key parsed each time)")
    return Result(
        label=label,
        rps=count / elapsed,
        p50_ms=elapsed / count * 1000,
        p99_ms=float("nan"),
        errors=0,
    )


def run(db: str, workers: int, duration: int, connections: int) -> list[Result]:
    url = sqlite_url() if db == "sqlite" else postgres_url("xentree_bench_integration")
    env = base_env(url)
    with server(env, workers=workers) as base:
        tokens = register_and_login(base)
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        user_id = httpx.get(f"{base}/api/auth/me", headers=bearer, timeout=30).json()["id"]
        tenant_id, api_key = asyncio.run(_seed(url, env["XENTREE_SECRET_KEY"], user_id))
        granted = httpx.post(
            f"{base}/api/integration/grant",
            json={
                "mode": "api",
                "origin": "https://partner.example.com",
                "scopes": ["profile:read"],
                "ttlSeconds": 3600,
            },
            headers={"X-API-Key": api_key},
            timeout=30,
        )
        granted.raise_for_status()
        token = granted.json()["token"]
        body = {"token": token, "tenantId": tenant_id}
        check = httpx.post(
            f"{base}/api/integration/verify", json=body, headers={"X-API-Key": api_key}, timeout=30
        ).json()
        assert check["valid"] is True, check
        jwk = httpx.get(f"{base}/api/integration/jwks", params={"tenantId": tenant_id}).json()[
            "keys"
        ][0]
        prefix = f"{db} w={workers}"
        health = load(
            f"{base}/healthz",
            label=f"{prefix} GET /healthz",
            duration=duration,
            connections=connections,
        )
        verify = load(
            f"{base}/api/integration/verify",
            label=f"{prefix} POST /verify (API key)",
            method="POST",
            headers={"X-API-Key": api_key},
            body=body,
            duration=duration,
            connections=connections,
        )
        verify_bearer = load(
            f"{base}/api/integration/verify",
            label=f"{prefix} POST /verify (bearer)",
            method="POST",
            headers=bearer,
            body=body,
            duration=duration,
            connections=connections,
        )
    raw = raw_decode_loop(token, jwk, duration, cached=True)
    uncached = raw_decode_loop(token, jwk, max(1, duration // 2), cached=False)
    return [health, verify, verify_bearer, raw, uncached]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in dbs:
        for workers in args.workers:
            health, verify, verify_bearer, raw, uncached = run(
                db, workers, args.duration, args.connections
            )
            for result in (health, verify, verify_bearer, raw, uncached):
                print(result.row())
            print(
                f"{'':<44} verify (API key) ÷ raw decode = {verify.rps / raw.rps:.1%}"
                f"   verify ÷ /healthz = {verify.rps / health.rps:.1%}"
            )
            print(f"{'':<44} verify (bearer) ÷ raw decode = {verify_bearer.rps / raw.rps:.1%}")
            print(
                f"{'':<44} raw decode, key parsed each time ÷ cached = "
                f"{uncached.rps / raw.rps:.1%}\n"
            )


if __name__ == "__main__":
    main()
