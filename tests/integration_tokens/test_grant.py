from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI

from tests.fixtures.auth import UserFactory, api_key_headers, make_api_key, make_organization
from tests.integration_tokens.conftest import (
    ORIGIN,
    Tenant,
    freeze_now,
    grant,
    key_headers,
    split,
)

GRANT = "/api/integration/grant"


async def test_grant_signs_rs256_token_with_contract_claims(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    t0 = freeze_now()
    body = await grant(client, tenant, ttlSeconds=90, subject="partner-user-7")
    assert set(body) == {"token", "jti", "tenantId", "kid", "expiresAt", "scopes", "origin", "mode"}
    assert body["tenantId"] == tenant.id
    assert body["scopes"] == ["profile:read", "quota:read"]
    assert body["origin"] == ORIGIN
    assert body["mode"] == "api"
    assert datetime.fromisoformat(body["expiresAt"]) == t0 + timedelta(seconds=90)
    header, claims = split(body["token"])
    assert header["alg"] == "RS256"
    assert header["kid"] == body["kid"]
    assert header["typ"] == "JWT"
    iat = int(t0.timestamp())
    assert claims == {
        "iss": "xentree",
        "aud": "xentree-integration",
        "sub": "partner-user-7",
        "tid": tenant.id,
        "jti": body["jti"],
        "iat": iat,
        "nbf": iat,
        "exp": iat + 90,
        "scopes": ["profile:read", "quota:read"],
        "origin": ORIGIN,
        "mode": "api",
    }
    uuid.UUID(body["jti"])


async def test_defaults_ttl_120_and_subject_is_the_caller(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = await grant(client, tenant, mode="embed")
    _, claims = split(body["token"])
    assert claims["exp"] - claims["iat"] == 120
    assert claims["sub"] == tenant.owner.id
    assert claims["mode"] == "embed"


async def test_key_is_created_once_per_tenant_and_differs_between_tenants(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    first = await grant(client, tenant)
    second = await grant(client, tenant)
    other = await grant(client, other_tenant)
    assert first["kid"] == second["kid"]
    assert first["jti"] != second["jti"]
    assert other["kid"] != first["kid"]


async def test_origin_is_normalized(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = await grant(client, tenant, origin="HTTPS://Partner.Example.COM:443")
    assert body["origin"] == "https://partner.example.com"
    local = await grant(client, tenant, origin="http://localhost:5173")
    assert local["origin"] == "http://localhost:5173"


async def test_api_key_caller_uses_its_organization(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = await key_headers(app, tenant, "integrations:write")
    body = await grant(client, tenant, headers=headers, tenantId=None)
    assert body["tenantId"] == tenant.id
    same = await grant(client, tenant, headers=headers)  # naming its own tenant is fine
    assert same["tenantId"] == tenant.id


async def test_api_key_admin_scope_implies_integrations_write(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = await key_headers(app, tenant, "api:admin")
    await grant(client, tenant, headers=headers)


async def test_api_key_for_another_tenant_is_404(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    headers = await key_headers(app, tenant, "integrations:write")
    body = await grant(client, tenant, headers=headers, tenantId=other_tenant.id, expect=404)
    assert body["detail"]["error"] == "not_found"


async def test_api_key_without_scope_is_403(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = await key_headers(app, tenant, "integrations:read")
    body = await grant(client, tenant, headers=headers, expect=403)
    assert body["detail"]["error"] == "INSUFFICIENT_API_KEY_SCOPE"
    assert body["detail"]["required_scope"] == "integrations:write"


async def test_unauthenticated_is_401(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        GRANT, json={"tenantId": tenant.id, "mode": "api", "origin": ORIGIN, "scopes": ["a:b"]}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    bad = await client.post(
        GRANT,
        json={"tenantId": tenant.id, "mode": "api", "origin": ORIGIN, "scopes": ["a:b"]},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert bad.status_code == 401


@pytest.mark.parametrize("role", ["manager", "member"])
async def test_member_below_admin_is_403(
    app: FastAPI, client: httpx.AsyncClient, user_factory: UserFactory, tenant: Tenant, role: str
) -> None:
    someone = await user_factory()
    org = await make_organization(app, someone.id, role=role)
    body = await grant(client, Tenant(org, someone), expect=403)
    assert body["detail"]["error"] == "forbidden"


async def test_org_admin_may_grant(
    app: FastAPI, client: httpx.AsyncClient, user_factory: UserFactory
) -> None:
    someone = await user_factory()
    org = await make_organization(app, someone.id, role="admin")
    body = await grant(client, Tenant(org, someone))
    assert body["tenantId"] == org


async def test_non_member_and_unknown_tenant_are_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    body = await grant(client, tenant, tenantId=other_tenant.id, expect=404)
    assert body["detail"]["error"] == "not_found"
    await grant(client, tenant, tenantId=str(uuid.uuid4()), expect=404)


async def test_bearer_without_tenant_is_400(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = await grant(client, tenant, tenantId=None, expect=400)
    assert body["detail"]["error"] == "validation_error"
    assert body["detail"]["fields"][0]["loc"] == ["body", "tenantId"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ttlSeconds", 29),
        ("ttlSeconds", 3601),
        ("ttlSeconds", "120"),
        ("ttlSeconds", 12.5),
        ("ttlSeconds", True),
        ("mode", "browser"),
        ("mode", None),
        ("origin", "http://partner.example.com"),
        ("origin", "https://partner.example.com/path"),
        ("origin", "https://partner.example.com/"),
        ("origin", "https://user@partner.example.com"),
        ("origin", "partner.example.com"),
        ("origin", "javascript:alert(1)"),
        ("origin", "https://" + "a" * 260 + ".com"),
        ("origin", 42),
        ("scopes", []),
        ("scopes", ["profile"]),
        ("scopes", ["profile:read:extra"]),
        ("scopes", ["profile:read", "profile:read"]),
        ("scopes", "profile:read"),
        ("scopes", ["a:b"] * 33),
        ("scopes", ["x" * 41 + ":read"]),
        ("subject", ""),
        ("subject", "s" * 256),
        ("subject", "line\nbreak"),
        ("tenantId", "not-a-uuid"),
        ("unexpected", "field"),
    ],
)
async def test_bad_input_is_400(
    client: httpx.AsyncClient, tenant: Tenant, field: str, value: object
) -> None:
    body = await grant(client, tenant, expect=400, **{field: value})  # type: ignore[arg-type]
    assert body["detail"]["error"] == "validation_error"


@pytest.mark.parametrize("missing", ["mode", "origin", "scopes"])
async def test_missing_field_is_400(
    client: httpx.AsyncClient, tenant: Tenant, missing: str
) -> None:
    payload = {"tenantId": tenant.id, "mode": "api", "origin": ORIGIN, "scopes": ["a:b"]}
    del payload[missing]
    response = await client.post(GRANT, json=payload, headers=tenant.headers)
    assert response.status_code == 400
    assert response.json()["detail"]["fields"][0]["loc"] == ["body", missing]


async def test_ttl_bounds_are_inclusive(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for ttl in (30, 3600):
        _, claims = split((await grant(client, tenant, ttlSeconds=ttl))["token"])
        assert claims["exp"] - claims["iat"] == ttl


async def test_token_verifies_with_pyjwt_and_the_jwks(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = await grant(client, tenant)
    jwks = (await client.get("/api/integration/jwks", params={"tenantId": tenant.id})).json()
    key = jwt.PyJWK(jwks["keys"][0])
    claims = jwt.decode(
        body["token"], key, algorithms=["RS256"], audience="xentree-integration", issuer="xentree"
    )
    assert claims["jti"] == body["jti"]


async def test_api_key_of_another_org_member_cannot_name_a_foreign_tenant(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    # The key's creator also owns other_tenant, but a key acts only inside its own organization.
    second_org = await make_organization(app, tenant.owner.id)
    key = await make_api_key(
        app, tenant.owner.id, ["integrations:write"], organization_id=tenant.id
    )
    await grant(client, tenant, headers=api_key_headers(key), tenantId=second_org, expect=404)
    assert other_tenant.id != second_org
