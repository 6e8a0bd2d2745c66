from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.auth import UserFactory
from tests.integration_tokens.conftest import (
    Tenant,
    add_member,
    freeze_now,
    grant,
    key_headers,
    split,
    verify,
)
from xentree.kit.time import clock

ROTATE = "/api/integration/rotate"


async def rotate(
    client: httpx.AsyncClient, headers: dict[str, str], expect: int = 201, **body: object
) -> dict[str, object]:
    response = await client.post(ROTATE, json=body, headers=headers)
    assert response.status_code == expect, response.text
    result: dict[str, object] = response.json()
    return result


async def test_rotate_copies_fields_and_revokes_previous(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    freeze_now()
    previous = await grant(
        client, tenant, mode="embed", ttlSeconds=300, subject="viewer-1", scopes=["quota:read"]
    )
    clock.advance(30)
    body = await rotate(client, tenant.headers, previousToken=previous["token"])
    assert set(body) == {
        "token", "jti", "previous_jti", "previous_revoked", "expiresAt",
        "tenantId", "kid", "scopes", "origin", "mode",
    }  # fmt: skip
    assert body["previous_jti"] == previous["jti"]
    assert body["previous_revoked"] is True
    assert body["jti"] != previous["jti"]
    _, claims = split(str(body["token"]))
    _, old = split(previous["token"])
    assert claims["exp"] - claims["iat"] == 300
    assert claims["iat"] == old["iat"] + 30
    for name in ("sub", "tid", "scopes", "origin", "mode", "aud", "iss"):
        assert claims[name] == old[name], name
    assert (await verify(client, tenant, previous["token"]))["reason"] == "revoked"
    assert (await verify(client, tenant, str(body["token"])))["valid"] is True


async def test_rotate_overrides_given_fields_and_may_keep_previous(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    previous = await grant(client, tenant)
    body = await rotate(
        client,
        tenant.headers,
        previousToken=previous["token"],
        revokePrevious=False,
        mode="embed",
        origin="https://other.example.org",
        scopes=["profile:read"],
        ttlSeconds=45,
    )
    assert body["previous_revoked"] is False
    _, claims = split(str(body["token"]))
    assert claims["mode"] == "embed"
    assert claims["origin"] == "https://other.example.org"
    assert claims["scopes"] == ["profile:read"]
    assert claims["exp"] - claims["iat"] == 45
    assert (await verify(client, tenant, previous["token"]))["valid"] is True


async def test_rotating_a_revoked_token_is_409_and_issues_nothing(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    previous = await grant(client, tenant)
    await rotate(client, tenant.headers, previousToken=previous["token"])
    body = await rotate(client, tenant.headers, expect=409, previousToken=previous["token"])
    assert body["detail"]["error"] == "integration_token_revoked"  # type: ignore[index]


async def test_concurrent_rotations_of_one_token_yield_one_successor(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    previous = await grant(client, tenant)
    responses = await asyncio.gather(
        *(
            client.post(ROTATE, json={"previousToken": previous["token"]}, headers=tenant.headers)
            for _ in range(4)
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]


async def test_rotating_an_expired_or_forged_token_is_400(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    freeze_now()
    previous = await grant(client, tenant, ttlSeconds=30)
    clock.advance(31)
    body = await rotate(client, tenant.headers, expect=400, previousToken=previous["token"])
    assert body["detail"]["error"] == "invalid_integration_token"  # type: ignore[index]
    assert body["detail"]["reason"] == "expired"  # type: ignore[index]
    body = await rotate(client, tenant.headers, expect=400, previousToken="x.y.z")
    assert body["detail"]["reason"] == "malformed"  # type: ignore[index]


async def test_failed_rotation_keeps_the_previous_token(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    previous = await grant(client, tenant)
    await rotate(
        client, tenant.headers, expect=400, previousToken=previous["token"], ttlSeconds=5000
    )
    assert (await verify(client, tenant, previous["token"]))["valid"] is True


async def test_rotate_tenant_rules(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await grant(client, other_tenant)
    await rotate(client, tenant.headers, expect=404, previousToken=theirs["token"])
    headers = await key_headers(app, tenant, "integrations:write")
    await rotate(client, headers, expect=404, previousToken=theirs["token"])
    mine = await grant(client, tenant)
    via_key = await rotate(client, headers, previousToken=mine["token"])
    assert via_key["tenantId"] == tenant.id
    reader = await key_headers(app, tenant, "integrations:read")
    await rotate(client, reader, expect=403, previousToken=mine["token"])
    response = await client.post(ROTATE, json={"previousToken": theirs["token"]})
    assert response.status_code == 401
    assert (await verify(client, other_tenant, theirs["token"]))["valid"] is True


async def test_member_below_admin_cannot_rotate(
    app: FastAPI, client: httpx.AsyncClient, user_factory: UserFactory, tenant: Tenant
) -> None:
    issued = await grant(client, tenant)
    member = await user_factory()
    await add_member(app, tenant.id, member.id, "manager")
    await rotate(client, member.headers, expect=403, previousToken=issued["token"])


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"previousToken": ""},
        {"previousToken": "t", "revokePrevious": "yes"},
        {"previousToken": "t", "revokePrevious": 1},
        {"previousToken": "t", "ttlSeconds": 10},
        {"previousToken": "t", "mode": "x"},
        {"previousToken": "t", "origin": "http://example.com"},
        {"previousToken": "t", "scopes": []},
        {"previousToken": "t", "tenantId": "00000000-0000-0000-0000-000000000000"},
    ],
)
async def test_bad_input_is_400(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, object]
) -> None:
    response = await client.post(ROTATE, json=body, headers=tenant.headers)
    assert response.status_code == 400
    assert response.json()["detail"]["error"] == "validation_error"
