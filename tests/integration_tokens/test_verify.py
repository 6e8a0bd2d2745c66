from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from tests.integration_tokens.conftest import (
    ORIGIN,
    Tenant,
    b64url,
    b64url_json,
    forge,
    freeze_now,
    grant,
    key_headers,
    split,
    tenant_private_key,
    verify,
)
from xentree.kit.time import clock

VERIFY = "/api/integration/verify"


async def test_valid_token_returns_its_claims(client: httpx.AsyncClient, tenant: Tenant) -> None:
    issued = await grant(client, tenant)
    result = await verify(client, tenant, issued["token"])
    assert result["valid"] is True
    assert result["reason"] is None
    assert result["revoked"] is False
    assert result["claims"] == split(issued["token"])[1]


async def test_matching_origin_is_valid(client: httpx.AsyncClient, tenant: Tenant) -> None:
    issued = await grant(client, tenant)
    result = await verify(client, tenant, issued["token"], origin="https://PARTNER.example.com:443")
    assert result["valid"] is True


async def test_origin_mismatch(client: httpx.AsyncClient, tenant: Tenant) -> None:
    issued = await grant(client, tenant)
    result = await verify(client, tenant, issued["token"], origin="https://evil.example.com")
    assert result == {"valid": False, "reason": "origin_mismatch", "claims": None, "revoked": False}


async def test_expired(client: httpx.AsyncClient, tenant: Tenant) -> None:
    freeze_now()
    issued = await grant(client, tenant, ttlSeconds=60)
    clock.advance(59)
    assert (await verify(client, tenant, issued["token"]))["valid"] is True
    clock.advance(1)
    result = await verify(client, tenant, issued["token"])
    assert result["valid"] is False
    assert result["reason"] == "expired"
    assert result["claims"] is None


async def test_not_yet_valid(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t0 = freeze_now()
    issued = await grant(client, tenant)
    clock.freeze(t0 - timedelta(seconds=30))
    result = await verify(client, tenant, issued["token"])
    assert result["reason"] == "not_yet_valid"
    assert result["valid"] is False


async def test_revoked(client: httpx.AsyncClient, tenant: Tenant) -> None:
    issued = await grant(client, tenant)
    response = await client.post(
        "/api/integration/revoke",
        json={"integrationToken": issued["token"]},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    result = await verify(client, tenant, issued["token"])
    assert result == {"valid": False, "reason": "revoked", "claims": None, "revoked": True}


async def test_alg_none_is_bad_signature(client: httpx.AsyncClient, tenant: Tenant) -> None:
    issued = await grant(client, tenant)
    header, claims = split(issued["token"])
    for alg in ("none", "None", "NONE"):
        token = f"{b64url_json({**header, 'alg': alg})}.{b64url_json(claims)}."
        result = await verify(client, tenant, token)
        assert result["reason"] == "bad_signature", alg
        assert result["valid"] is False


async def test_hs256_signed_with_the_public_key_is_bad_signature(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    issued = await grant(client, tenant)
    header, claims = split(issued["token"])
    jwks = (await client.get("/api/integration/jwks", params={"tenantId": tenant.id})).json()
    public_key = jwt.PyJWK(jwks["keys"][0]).key
    for encoding in (serialization.Encoding.PEM, serialization.Encoding.DER):
        secret = public_key.public_bytes(encoding, serialization.PublicFormat.SubjectPublicKeyInfo)
        signing_input = f"{b64url_json({**header, 'alg': 'HS256'})}.{b64url_json(claims)}"
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        result = await verify(client, tenant, f"{signing_input}.{b64url(mac)}")
        assert result["reason"] == "bad_signature"


@pytest.mark.parametrize("alg", ["RS512", "PS256", "ES256", "HS512"])
async def test_other_algorithms_are_bad_signature(
    client: httpx.AsyncClient, tenant: Tenant, alg: str
) -> None:
    issued = await grant(client, tenant)
    header, claims = split(issued["token"])
    signature = issued["token"].rsplit(".", 1)[1]
    token = f"{b64url_json({**header, 'alg': alg})}.{b64url_json(claims)}.{signature}"
    assert (await verify(client, tenant, token))["reason"] == "bad_signature"


async def test_tampered_claims_are_bad_signature(client: httpx.AsyncClient, tenant: Tenant) -> None:
    issued = await grant(client, tenant)
    header_b64, _, signature = issued["token"].split(".")
    _, claims = split(issued["token"])
    claims["scopes"] = ["admin:write"]
    token = f"{header_b64}.{b64url_json(claims)}.{signature}"
    assert (await verify(client, tenant, token))["reason"] == "bad_signature"


async def test_foreign_key_posing_as_the_tenant_kid_is_bad_signature(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    issued = await grant(client, tenant)
    _, claims = split(issued["token"])
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = forge(claims, attacker, issued["kid"])
    assert (await verify(client, tenant, token))["reason"] == "bad_signature"


async def test_unknown_kid(client: httpx.AsyncClient, tenant: Tenant) -> None:
    issued = await grant(client, tenant)
    _, claims = split(issued["token"])
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    result = await verify(client, tenant, forge(claims, attacker, "no-such-kid"))
    assert result["reason"] == "unknown_key"
    header, _ = split(issued["token"])
    del header["kid"]
    no_kid = f"{b64url_json(header)}.{b64url_json(claims)}.{issued['token'].rsplit('.', 1)[1]}"
    assert (await verify(client, tenant, no_kid))["reason"] == "unknown_key"


async def test_token_of_another_tenant_is_wrong_tenant(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = await grant(client, other_tenant)
    await grant(client, tenant)
    result = await verify(client, tenant, foreign["token"])
    assert result == {"valid": False, "reason": "wrong_tenant", "claims": None, "revoked": False}
    assert (await verify(client, other_tenant, foreign["token"]))["valid"] is True


async def test_foreign_tenant_key_signing_a_token_for_this_tenant_is_wrong_tenant(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await grant(client, tenant)
    await grant(client, other_tenant)
    other_kid, other_key = await tenant_private_key(app, other_tenant.id)
    _, claims = split(mine["token"])  # tid = tenant
    result = await verify(client, tenant, forge(claims, other_key, other_kid))
    assert result["reason"] == "wrong_tenant"


async def test_own_key_with_another_tid_is_wrong_tenant(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await grant(client, tenant)
    kid, key = await tenant_private_key(app, tenant.id)
    _, claims = split(mine["token"])
    claims["tid"] = other_tenant.id
    assert (await verify(client, tenant, forge(claims, key, kid)))["reason"] == "wrong_tenant"


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "xentree-api"},
        {"aud": ["xentree-integration", "other"]},
        {"iss": "someone-else"},
        {"exp": "tomorrow"},
        {"iat": None},
        {"nbf": True},
        {"scopes": "profile:read"},
        {"mode": "root"},
        {"tid": "not-a-uuid"},
        {"sub": ""},
        {"jti": 42},
    ],
)
async def test_signed_but_incomplete_claims_are_malformed(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, change: dict[str, object]
) -> None:
    mine = await grant(client, tenant)
    kid, key = await tenant_private_key(app, tenant.id)
    _, claims = split(mine["token"])
    claims.update(change)
    assert (await verify(client, tenant, forge(claims, key, kid)))["reason"] == "malformed"


@pytest.mark.parametrize("missing", ["origin", "scopes", "jti", "exp", "nbf", "tid", "mode"])
async def test_missing_claim_is_malformed(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, missing: str
) -> None:
    mine = await grant(client, tenant)
    kid, key = await tenant_private_key(app, tenant.id)
    _, claims = split(mine["token"])
    del claims[missing]
    assert (await verify(client, tenant, forge(claims, key, kid)))["reason"] == "malformed"


@pytest.mark.parametrize(
    "token", ["abc", "a.b.c", "a.b", "....", "eyJhbGciOiJSUzI1NiJ9.!!!.x", "e30.e30.e30"]
)
async def test_garbage_is_malformed(client: httpx.AsyncClient, tenant: Tenant, token: str) -> None:
    result = await verify(client, tenant, token)
    assert result["valid"] is False
    assert result["reason"] in {"malformed", "bad_signature"}
    if token in ("abc", "a.b.c", "a.b"):
        assert result["reason"] == "malformed"


async def test_rs256_header_with_unparseable_payload_is_malformed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    issued = await grant(client, tenant)
    header_b64, _, signature = issued["token"].split(".")
    token = f"{header_b64}.{b64url(b'not json')}.{signature}"
    assert (await verify(client, tenant, token))["reason"] == "malformed"


async def test_api_key_with_read_scope_verifies(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    issued = await grant(client, tenant)
    headers = await key_headers(app, tenant, "integrations:read")
    response = await client.post(
        VERIFY, json={"token": issued["token"], "tenantId": tenant.id}, headers=headers
    )
    assert response.status_code == 200
    assert response.json()["valid"] is True


async def test_api_key_scope_and_tenant_rules(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    issued = await grant(client, other_tenant)
    write_only = await key_headers(app, tenant, "integrations:write")
    response = await client.post(
        VERIFY, json={"token": issued["token"], "tenantId": tenant.id}, headers=write_only
    )
    assert response.status_code == 403
    assert response.json()["detail"]["required_scope"] == "integrations:read"
    reader = await key_headers(app, tenant, "integrations:read")
    response = await client.post(
        VERIFY, json={"token": issued["token"], "tenantId": other_tenant.id}, headers=reader
    )
    assert response.status_code == 404


async def test_verify_needs_credentials_and_membership(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    issued = await grant(client, tenant)
    response = await client.post(VERIFY, json={"token": issued["token"], "tenantId": tenant.id})
    assert response.status_code == 401
    response = await client.post(
        VERIFY,
        json={"token": issued["token"], "tenantId": tenant.id},
        headers=other_tenant.headers,
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"tenantId": "00000000-0000-0000-0000-000000000000"},
        {"token": "x"},
        {"token": "", "tenantId": "00000000-0000-0000-0000-000000000000"},
        {"token": "x" * 8193, "tenantId": "00000000-0000-0000-0000-000000000000"},
        {"token": 12, "tenantId": "00000000-0000-0000-0000-000000000000"},
        {"token": "x", "tenantId": "nope"},
        {"token": "x", "tenantId": "00000000-0000-0000-0000-000000000000", "origin": "ftp://x"},
        {"token": "x", "tenantId": "00000000-0000-0000-0000-000000000000", "extra": 1},
    ],
)
async def test_verify_bad_input_is_400(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, object]
) -> None:
    response = await client.post(VERIFY, json=body, headers=tenant.headers)
    assert response.status_code == 400
    assert response.json()["detail"]["error"] == "validation_error"


async def test_origin_of_the_grant_is_kept(client: httpx.AsyncClient, tenant: Tenant) -> None:
    issued = await grant(client, tenant)
    assert split(issued["token"])[1]["origin"] == ORIGIN
