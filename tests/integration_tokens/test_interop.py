"""Against real `xentree serve` processes: independent JOSE libraries, several processes, CLI."""

from __future__ import annotations

import subprocess
import sys

import httpx
import jwt
import pytest
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

from tests.fixtures.server import running_server, settings_env
from tests.integration_tokens.conftest import ORIGIN, Tenant
from xentree.config import Settings

pytestmark = pytest.mark.slow


def http_grant(base: str, tenant: Tenant, **extra: object) -> dict[str, str]:
    body: dict[str, object] = {
        "tenantId": tenant.id,
        "mode": "api",
        "origin": ORIGIN,
        "scopes": ["profile:read"],
    }
    body.update(extra)
    response = httpx.post(f"{base}/api/integration/grant", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    result: dict[str, str] = response.json()
    return result


def http_verify(base: str, tenant: Tenant, token: str) -> dict[str, object]:
    response = httpx.post(
        f"{base}/api/integration/verify",
        json={"token": token, "tenantId": tenant.id},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def test_independent_libraries_verify_grants_against_the_served_jwks(
    settings: Settings, tenant: Tenant
) -> None:
    with running_server(settings) as base:
        issued = http_grant(base, tenant)
        jwks_url = f"{base}/api/integration/jwks?tenantId={tenant.id}"

        # PyJWT's JWKS client fetches the key set over HTTP and picks the key by `kid`.
        signing_key = jwt.PyJWKClient(jwks_url, cache_keys=False).get_signing_key_from_jwt(
            issued["token"]
        )
        claims = jwt.decode(
            issued["token"],
            signing_key.key,
            algorithms=["RS256"],
            audience="xentree-integration",
            issuer="xentree",
            options={"require": ["exp", "nbf", "iat", "jti", "sub"]},
        )
        assert claims["tid"] == tenant.id
        assert claims["jti"] == issued["jti"]

        # joserfc, a second independent implementation.
        key_set = KeySet.import_key_set(httpx.get(jwks_url).json())
        token = jose_jwt.decode(issued["token"], key_set, algorithms=["RS256"])
        assert token.header["kid"] == issued["kid"]
        jose_jwt.JWTClaimsRegistry(
            aud={"essential": True, "value": "xentree-integration"},
            iss={"essential": True, "value": "xentree"},
            tid={"essential": True, "value": tenant.id},
        ).validate(token.claims)

        # A tampered token fails in the independent library too.
        header, payload, signature = issued["token"].split(".")
        flipped = ("A" if signature[5] != "A" else "B").join((signature[:5], signature[6:]))
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(
                f"{header}.{payload}.{flipped}",
                signing_key.key,
                algorithms=["RS256"],
                audience="xentree-integration",
            )


def test_revocation_takes_effect_at_once_in_another_process(
    settings: Settings, tenant: Tenant
) -> None:
    with running_server(settings) as first, running_server(settings) as second:
        issued = http_grant(first, tenant)
        assert http_verify(second, tenant, issued["token"])["valid"] is True
        response = httpx.post(
            f"{second}/api/integration/revoke",
            json={"integrationToken": issued["token"], "reason": "security-incident"},
            headers=tenant.headers,
        )
        assert response.status_code == 200, response.text
        result = http_verify(first, tenant, issued["token"])
        assert result["valid"] is False
        assert result["reason"] == "revoked"
        assert result["revoked"] is True
        # A rotation in one process is also seen at once by the other.
        other = http_grant(second, tenant)
        rotated = httpx.post(
            f"{first}/api/integration/rotate",
            json={"previousToken": other["token"]},
            headers=tenant.headers,
        )
        assert rotated.status_code == 201, rotated.text
        assert http_verify(second, tenant, other["token"])["reason"] == "revoked"
        assert http_verify(second, tenant, rotated.json()["token"])["valid"] is True


def test_cli_rotation_is_picked_up_by_a_running_server(settings: Settings, tenant: Tenant) -> None:
    with running_server(settings) as base:
        before = http_grant(base, tenant, ttlSeconds=600)
        completed = subprocess.run(
            [sys.executable, "-m", "xentree", "integration-keys", "rotate", "--tenant", tenant.id],
            env=settings_env(settings),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        assert f"retired {before['kid']}" in completed.stdout
        after = http_grant(base, tenant)
        assert after["kid"] != before["kid"]
        assert after["kid"] in completed.stdout
        kids = [
            k["kid"]
            for k in httpx.get(f"{base}/api/integration/jwks?tenantId={tenant.id}").json()["keys"]
        ]
        assert kids == [after["kid"], before["kid"]]
        assert http_verify(base, tenant, before["token"])["valid"] is True
        assert http_verify(base, tenant, after["token"])["valid"] is True
        client = jwt.PyJWKClient(f"{base}/api/integration/jwks?tenantId={tenant.id}")
        for issued in (before, after):
            key = client.get_signing_key_from_jwt(issued["token"])
            jwt.decode(
                issued["token"], key.key, algorithms=["RS256"], audience="xentree-integration"
            )


def test_cli_rejects_bad_and_unknown_tenants(settings: Settings) -> None:
    env = settings_env(settings)
    for tenant, message in (
        ("not-a-uuid", "must be an organization id"),
        ("00000000-0000-0000-0000-000000000000", "Tenant not found"),
    ):
        completed = subprocess.run(
            [sys.executable, "-m", "xentree", "integration-keys", "rotate", "--tenant", tenant],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert completed.returncode == 1
        assert message in completed.stderr
