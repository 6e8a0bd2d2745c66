from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import scalar
from tests.fixtures.auth import UserFactory, make_organization
from tests.integration_tokens.conftest import Tenant, freeze_now, grant, key_headers, verify
from xentree.kit.time import clock

REVOKE = "/api/integration/revoke"


async def revoke(
    client: httpx.AsyncClient, headers: dict[str, str], expect: int = 200, **body: object
) -> dict[str, object]:
    response = await client.post(REVOKE, json=body, headers=headers)
    assert response.status_code == expect, response.text
    result: dict[str, object] = response.json()
    return result


async def test_revoke_by_token(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t0 = freeze_now()
    issued = await grant(client, tenant)
    body = await revoke(
        client, tenant.headers, integrationToken=issued["token"], reason="security-incident"
    )
    assert body == {
        "jti": issued["jti"],
        "tenantId": tenant.id,
        "revoked": True,
        "revokedAt": t0.isoformat().replace("+00:00", "Z"),
    }
    assert (await verify(client, tenant, issued["token"]))["reason"] == "revoked"


async def test_revoke_by_jti_and_idempotence(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t0 = freeze_now()
    issued = await grant(client, tenant)
    first = await revoke(
        client, tenant.headers, tenantId=tenant.id, jti=issued["jti"], reason="manual-revoke"
    )
    clock.advance(10)
    again = await revoke(client, tenant.headers, tenantId=tenant.id, jti=issued["jti"])
    by_token = await revoke(client, tenant.headers, integrationToken=issued["token"])
    assert first == again == by_token
    assert first["revokedAt"] == t0.isoformat().replace("+00:00", "Z")
    assert (await verify(client, tenant, issued["token"]))["revoked"] is True


async def test_unknown_jti_is_recorded(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = await revoke(client, tenant.headers, tenantId=tenant.id, jti="never-issued-jti")
    assert body["jti"] == "never-issued-jti"
    assert body["revoked"] is True
    assert (
        await scalar(
            app,
            "SELECT count(*) FROM integration_token_revocations WHERE jti = :jti",
            jti="never-issued-jti",
        )
        == 1
    )
    assert (
        await scalar(
            app,
            "SELECT count(*) FROM integration_revoked_jtis WHERE jti = :jti",
            jti="never-issued-jti",
        )
        == 1
    )


async def test_revocation_is_per_tenant(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await grant(client, other_tenant)
    # Revoking the same jti under another tenant does not touch the other tenant's token.
    await revoke(client, tenant.headers, tenantId=tenant.id, jti=theirs["jti"])
    assert (await verify(client, other_tenant, theirs["token"]))["valid"] is True


async def test_revoking_an_expired_token_is_accepted(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    freeze_now()
    issued = await grant(client, tenant, ttlSeconds=30)
    clock.advance(120)
    body = await revoke(client, tenant.headers, integrationToken=issued["token"])
    assert body["jti"] == issued["jti"]


async def test_api_key_revokes_in_its_tenant_only(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await grant(client, tenant)
    theirs = await grant(client, other_tenant)
    headers = await key_headers(app, tenant, "integrations:write")
    await revoke(client, headers, integrationToken=mine["token"])
    await revoke(client, headers, jti="some-jti")  # tenant implied by the key
    await revoke(client, headers, expect=404, integrationToken=theirs["token"])
    await revoke(client, headers, expect=404, tenantId=other_tenant.id, jti=theirs["jti"])
    assert (await verify(client, other_tenant, theirs["token"]))["valid"] is True
    reader = await key_headers(app, tenant, "integrations:read")
    denied = await revoke(client, reader, expect=403, integrationToken=mine["token"])
    assert denied["detail"]["error"] == "INSUFFICIENT_API_KEY_SCOPE"  # type: ignore[index]


async def test_roles_and_visibility(
    app: FastAPI, client: httpx.AsyncClient, user_factory: UserFactory, tenant: Tenant
) -> None:
    issued = await grant(client, tenant)
    stranger = await user_factory()
    await revoke(client, stranger.headers, expect=404, integrationToken=issued["token"])
    await revoke(client, stranger.headers, expect=404, tenantId=tenant.id, jti=issued["jti"])
    member = await user_factory()
    org = await make_organization(app, member.id, role="member")
    await revoke(client, member.headers, expect=403, tenantId=org, jti="x")
    response = await client.post(REVOKE, json={"integrationToken": issued["token"]})
    assert response.status_code == 401
    assert (await verify(client, tenant, issued["token"]))["valid"] is True


async def test_a_token_that_is_not_genuine_cannot_be_revoked(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    issued = await grant(client, tenant)
    body = await revoke(client, tenant.headers, expect=400, integrationToken="garbage")
    assert body["detail"] == {
        "error": "invalid_integration_token",
        "message": "The integration token is not valid: malformed",
        "reason": "malformed",
    }
    header, payload, signature = issued["token"].split(".")
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    tampered = f"{header}.{payload}.{flipped}"
    body = await revoke(client, tenant.headers, expect=400, integrationToken=tampered)
    assert body["detail"]["reason"] == "bad_signature"  # type: ignore[index]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reason": "x"},
        {"integrationToken": "t", "jti": "j"},
        {"integrationToken": "t", "tenantId": "00000000-0000-0000-0000-000000000000"},
        {"jti": "", "tenantId": "00000000-0000-0000-0000-000000000000"},
        {"jti": "j" * 129, "tenantId": "00000000-0000-0000-0000-000000000000"},
        {"jti": "has space", "tenantId": "00000000-0000-0000-0000-000000000000"},
        {"jti": 5, "tenantId": "00000000-0000-0000-0000-000000000000"},
        {"jti": "j", "tenantId": "bad"},
        {"jti": "j", "tenantId": "00000000-0000-0000-0000-000000000000", "reason": "r" * 201},
        {"jti": "j", "tenantId": "00000000-0000-0000-0000-000000000000", "why": "x"},
    ],
)
async def test_bad_input_is_400(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, object]
) -> None:
    result = await revoke(client, tenant.headers, expect=400, **body)
    assert result["detail"]["error"] == "validation_error"  # type: ignore[index]


async def test_bearer_jti_form_needs_tenant(client: httpx.AsyncClient, tenant: Tenant) -> None:
    result = await revoke(client, tenant.headers, expect=400, jti="abc")
    assert result["detail"]["fields"][0]["loc"] == ["body", "tenantId"]  # type: ignore[index]


async def test_unknown_tenant_is_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await revoke(client, tenant.headers, expect=404, tenantId=str(uuid.uuid4()), jti="abc")
