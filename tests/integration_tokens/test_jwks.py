"""JWKS and fingerprint endpoints, key rotation and retention, pruning."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import scalar
from tests.integration_tokens.conftest import Tenant, freeze_now, grant, verify
from xentree.integration_tokens.dependencies import get_integration_service_for_app
from xentree.integration_tokens.tasks import prune_once
from xentree.kit.time import clock

JWKS = "/api/integration/jwks"
FINGERPRINT = "/api/integration/fingerprint"


async def rotate_key(app: FastAPI, tenant: Tenant) -> tuple[str, str | None]:
    service = get_integration_service_for_app(app)
    async with app.state.sessionmaker() as session:
        result = await service.rotate_signing_key(session, uuid.UUID(tenant.id))
        await session.commit()
    return result


async def kids(client: httpx.AsyncClient, tenant: Tenant) -> list[str]:
    response = await client.get(JWKS, params={"tenantId": tenant.id})
    assert response.status_code == 200
    return [key["kid"] for key in response.json()["keys"]]


async def test_jwks_is_public_and_cacheable(client: httpx.AsyncClient, tenant: Tenant) -> None:
    issued = await grant(client, tenant)
    response = await client.get(JWKS, params={"tenantId": tenant.id})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    [key] = response.json()["keys"]
    assert set(key) == {"kty", "kid", "use", "alg", "n", "e"}
    assert (key["kty"], key["use"], key["alg"], key["e"]) == ("RSA", "sig", "RS256", "AQAB")
    assert key["kid"] == issued["kid"]
    assert "=" not in key["n"]
    # Credentials, even broken ones, are ignored by the public endpoints.
    again = await client.get(
        JWKS, params={"tenantId": tenant.id}, headers={"Authorization": "Bearer nonsense"}
    )
    assert again.status_code == 200
    fingerprint = await client.get(FINGERPRINT, params={"tenantId": tenant.id})
    assert fingerprint.headers["cache-control"] == "public, max-age=300"


@pytest.mark.parametrize("path", [JWKS, FINGERPRINT])
async def test_unknown_tenant_is_404_and_bad_id_400(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, params={"tenantId": str(uuid.uuid4())})
    assert response.status_code == 404
    assert response.json()["detail"]["error"] == "not_found"
    assert "public" not in response.headers.get("cache-control", "")
    response = await client.get(path, params={"tenantId": "not-a-uuid"})
    assert response.status_code == 400
    assert response.json()["detail"]["error"] == "validation_error"
    response = await client.get(path)
    assert response.status_code == 400
    assert response.json()["detail"]["fields"][0]["loc"] == ["query", "tenantId"]


async def test_tenant_without_key_has_empty_sets(client: httpx.AsyncClient, tenant: Tenant) -> None:
    assert await kids(client, tenant) == []
    response = await client.get(FINGERPRINT, params={"tenantId": tenant.id})
    assert response.json() == {"tenantId": tenant.id, "keys": []}


async def test_retired_key_stays_published_until_its_last_token_expires(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    t0 = freeze_now()
    short = await grant(client, tenant, ttlSeconds=60)
    long = await grant(client, tenant, ttlSeconds=300)
    old_kid = short["kid"]
    new_kid, retired = await rotate_key(app, tenant)
    assert retired == old_kid
    assert await kids(client, tenant) == [new_kid, old_kid]  # active first
    response = await client.get(FINGERPRINT, params={"tenantId": tenant.id})
    statuses = {key["kid"]: key["status"] for key in response.json()["keys"]}
    assert statuses == {new_kid: "active", old_kid: "retired"}
    fresh = await grant(client, tenant)
    assert fresh["kid"] == new_kid

    clock.freeze(t0)
    clock.advance(61)
    assert await kids(client, tenant) == [new_kid, old_kid]  # `long` is still alive
    assert (await verify(client, tenant, long["token"]))["valid"] is True
    clock.advance(240)  # t0 + 301: every token of the old key has expired
    assert await kids(client, tenant) == [new_kid]
    # A key that is no longer published is no key of the tenant.
    assert (await verify(client, tenant, long["token"]))["reason"] == "unknown_key"


async def test_retired_key_without_live_tokens_leaves_at_once(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first, _ = await rotate_key(app, tenant)  # first key of the tenant (created by rotation)
    second, retired = await rotate_key(app, tenant)
    assert retired == first
    assert await kids(client, tenant) == [second]


async def test_rotating_an_unknown_tenant_fails(app: FastAPI) -> None:
    from xentree.integration_tokens.exceptions import TenantNotFound

    with pytest.raises(TenantNotFound):
        await rotate_key(app, Tenant(str(uuid.uuid4()), None))  # type: ignore[arg-type]


async def test_pruning_drops_expired_rows_and_keeps_history(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    freeze_now()
    expiring = await grant(client, tenant, ttlSeconds=30)
    lasting = await grant(client, tenant, ttlSeconds=600)
    for issued in (expiring, lasting):
        response = await client.post(
            "/api/integration/revoke",
            json={"integrationToken": issued["token"]},
            headers=tenant.headers,
        )
        assert response.status_code == 200
    unknown = await client.post(
        "/api/integration/revoke",
        json={"tenantId": tenant.id, "jti": "unknown-jti"},
        headers=tenant.headers,
    )
    assert unknown.status_code == 200
    assert await scalar(app, "SELECT count(*) FROM integration_revoked_jtis") == 3
    assert await prune_once(app) == (0, 0)

    clock.advance(31)
    assert await prune_once(app) == (1, 1)
    assert await scalar(app, "SELECT count(*) FROM integration_revoked_jtis") == 2
    assert (await verify(client, tenant, lasting["token"]))["reason"] == "revoked"
    assert (await verify(client, tenant, expiring["token"]))["reason"] == "expired"

    clock.advance(3600)  # past the unknown jti's retention (the longest possible TTL)
    assert await prune_once(app) == (1, 2)
    assert await scalar(app, "SELECT count(*) FROM integration_revoked_jtis") == 0
    assert await scalar(app, "SELECT count(*) FROM integration_grants") == 0
    assert await scalar(app, "SELECT count(*) FROM integration_token_revocations") == 3
