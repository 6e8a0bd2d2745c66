"""GET /api/admin/integration-token-revocations: platform admins only, paged, tenant filter."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.auth import AuthedUser, UserFactory
from tests.integration_tokens.conftest import Tenant, freeze_now, grant, key_headers, make_admin
from xentree.kit.time import clock

ADMIN = "/api/admin/integration-token-revocations"


@pytest.fixture
async def admin(app: FastAPI, user_factory: UserFactory) -> AuthedUser:
    user = await user_factory()
    await make_admin(app, user)
    return user


async def test_lists_revocations_newest_first_with_filter_and_paging(
    client: httpx.AsyncClient, admin: AuthedUser, tenant: Tenant, other_tenant: Tenant
) -> None:
    t0 = freeze_now()
    issued = await grant(client, tenant, ttlSeconds=600)
    response = await client.post(
        "/api/integration/revoke",
        json={"integrationToken": issued["token"], "reason": "security-incident"},
        headers=tenant.headers,
    )
    assert response.status_code == 200
    for index in range(3):
        clock.advance(1)
        response = await client.post(
            "/api/integration/revoke",
            json={"tenantId": other_tenant.id, "jti": f"jti-{index}"},
            headers=other_tenant.headers,
        )
        assert response.status_code == 200

    page = (await client.get(ADMIN, headers=admin.headers)).json()
    assert page["total"] == 4
    assert (page["limit"], page["offset"]) == (20, 0)
    assert [item["jti"] for item in page["items"]] == ["jti-2", "jti-1", "jti-0", issued["jti"]]
    first = page["items"][-1]
    assert first == {
        "jti": issued["jti"],
        "tenantId": tenant.id,
        "reason": "security-incident",
        "revokedAt": t0.isoformat().replace("+00:00", "Z"),
        "revokedBy": tenant.owner.id,
        "expiresAt": issued["expiresAt"],
    }
    assert page["items"][0]["expiresAt"] is None  # unknown jti: no token on record
    assert page["items"][0]["reason"] is None

    filtered = (
        await client.get(
            ADMIN,
            params={"tenantId": other_tenant.id, "limit": 2, "offset": 1},
            headers=admin.headers,
        )
    ).json()
    assert filtered["total"] == 3
    assert [item["jti"] for item in filtered["items"]] == ["jti-1", "jti-0"]
    assert (filtered["limit"], filtered["offset"]) == (2, 1)
    only_tenant = (
        await client.get(ADMIN, params={"tenantId": tenant.id}, headers=admin.headers)
    ).json()
    assert [item["jti"] for item in only_tenant["items"]] == [issued["jti"]]


async def test_rotation_revocations_are_listed(
    client: httpx.AsyncClient, admin: AuthedUser, tenant: Tenant
) -> None:
    issued = await grant(client, tenant)
    response = await client.post(
        "/api/integration/rotate", json={"previousToken": issued["token"]}, headers=tenant.headers
    )
    assert response.status_code == 201
    [item] = (await client.get(ADMIN, headers=admin.headers)).json()["items"]
    assert item["jti"] == issued["jti"]
    assert item["reason"] == "rotated"


async def test_only_platform_admins(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert (await client.get(ADMIN)).status_code == 401
    response = await client.get(ADMIN, headers=tenant.headers)  # an org owner is no platform admin
    assert response.status_code == 403
    assert response.json()["detail"]["error"] == "forbidden"
    headers = await key_headers(app, tenant, "api:admin")
    response = await client.get(ADMIN, headers=headers)
    assert response.status_code == 403
    assert response.json()["detail"]["error"] == "bearer_required"


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}, {"tenantId": "nope"}],
)
async def test_bad_query_is_400(
    client: httpx.AsyncClient, admin: AuthedUser, params: dict[str, str | int]
) -> None:
    response = await client.get(ADMIN, params=params, headers=admin.headers)
    assert response.status_code == 400
    assert response.json()["detail"]["error"] == "validation_error"


async def test_unknown_tenant_filter_gives_an_empty_page(
    client: httpx.AsyncClient, admin: AuthedUser
) -> None:
    page = (
        await client.get(
            ADMIN,
            params={"tenantId": "00000000-0000-0000-0000-000000000000"},
            headers=admin.headers,
        )
    ).json()
    assert page == {"items": [], "total": 0, "limit": 20, "offset": 0}
