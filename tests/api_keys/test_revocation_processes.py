"""Deleting a key through one server process revokes it at once in another process.

Two real `xentree serve` processes share the test database (a SQLite file or PostgreSQL);
nothing about keys is cached in process memory, so the very next request to B is refused.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.auth import PASSWORD
from tests.fixtures.server import running_server
from xentree.config import Settings

pytestmark = pytest.mark.slow


async def test_delete_on_a_is_seen_by_b_immediately(app: FastAPI, settings: Settings) -> None:
    # `app` empties the shared tables afterwards; the servers run with the same settings.
    with running_server(settings) as url_a, running_server(settings) as url_b:
        async with (
            httpx.AsyncClient(base_url=url_a, timeout=10) as a,
            httpx.AsyncClient(base_url=url_b, timeout=10) as b,
        ):
            body = {"username": "twoproc", "email": "twoproc@example.com", "password": PASSWORD}
            assert (await a.post("/api/auth/register", json=body)).status_code == 201
            login = await a.post(
                "/api/auth/login", data={"username": "twoproc", "password": PASSWORD}
            )
            bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
            org = await a.post(
                "/api/organizations", json={"name": "Two", "slug": "two-procs"}, headers=bearer
            )
            assert org.status_code == 201, org.text
            created = await a.post(
                "/api/api-keys",
                json={
                    "name": "shared",
                    "organization_id": org.json()["id"],
                    "scopes": ["organizations:read"],
                },
                headers=bearer,
            )
            assert created.status_code == 201, created.text
            key = {"X-API-Key": created.json()["key"]}

            used = await b.get("/api/organizations", headers=key)
            assert used.status_code == 200, used.text
            assert [o["slug"] for o in used.json()] == ["two-procs"]

            deleted = await a.delete(f"/api/api-keys/{created.json()['id']}", headers=bearer)
            assert deleted.status_code == 204

            refused = await b.get("/api/organizations", headers=key)
            assert refused.status_code == 401
            assert refused.json()["detail"]["error"] == "invalid_api_key"
            # And A agrees.
            assert (await a.get("/api/organizations", headers=key)).status_code == 401
