"""Key material: RFC 7638 kid, fingerprints, encryption at rest, and the per-process cache."""

from __future__ import annotations

import uuid

import httpx
import jwt
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import FastAPI
from joserfc.jwk import RSAKey
from sqlalchemy import select

from tests.conftest import TEST_SECRET
from tests.integration_tokens.conftest import Tenant, grant, split, tenant_private_key, verify
from xentree.integration_tokens.dependencies import get_integration_service_for_app
from xentree.integration_tokens.keys import KeyDecryptionError, KeyEncryptor, jwk_thumbprint
from xentree.integration_tokens.service import IntegrationTokenService
from xentree.models import IntegrationSigningKey

# RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint.
RFC7638_KEY = {
    "kty": "RSA",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"
        "tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5h"
        "ajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    ),
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_thumbprint_reproduces_rfc7638_example() -> None:
    assert jwk_thumbprint(RFC7638_KEY) == RFC7638_THUMBPRINT
    # Member order and optional members do not matter.
    reordered = {"e": "AQAB", "use": "sig", "n": RFC7638_KEY["n"], "kty": "RSA"}
    assert jwk_thumbprint(reordered) == RFC7638_THUMBPRINT
    # joserfc, an independent implementation, agrees on the same example.
    assert RSAKey.import_key(dict(RFC7638_KEY)).thumbprint() == RFC7638_THUMBPRINT


async def jwks_of(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, str]]:
    response = await client.get("/api/integration/jwks", params={"tenantId": tenant.id})
    assert response.status_code == 200
    keys: list[dict[str, str]] = response.json()["keys"]
    return keys


async def test_kid_is_the_thumbprint_of_the_published_key(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    issued = await grant(client, tenant)
    [jwk] = await jwks_of(client, tenant)
    assert jwk["kid"] == issued["kid"]
    assert RSAKey.import_key({k: jwk[k] for k in ("kty", "n", "e")}).thumbprint() == jwk["kid"]
    public_key = jwt.PyJWK(jwk).key
    assert public_key.key_size == 2048
    assert public_key.public_numbers().e == 65537


async def test_fingerprint_is_sha256_of_der_spki(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await grant(client, tenant)
    [jwk] = await jwks_of(client, tenant)
    response = await client.get("/api/integration/fingerprint", params={"tenantId": tenant.id})
    assert response.status_code == 200
    body = response.json()
    [entry] = body["keys"]

    def b64int(value: str) -> int:
        return int.from_bytes(jwt.utils.base64url_decode(value), "big")

    public_key = RSAPublicNumbers(b64int(jwk["e"]), b64int(jwk["n"])).public_key()
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    assert entry["sha256"] == digest.finalize().hex()
    assert entry["kid"] == jwk["kid"]
    assert entry["algorithm"] == "RS256"
    assert entry["status"] == "active"
    assert body["tenantId"] == tenant.id
    assert set(entry) == {"kid", "algorithm", "sha256", "status", "created_at"}


async def test_private_key_is_encrypted_at_rest(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    issued = await grant(client, tenant)
    kid, private_key = await tenant_private_key(app, tenant.id)  # independent HKDF + AES-GCM
    assert kid == issued["kid"]
    [jwk] = await jwks_of(client, tenant)
    assert private_key.public_key().public_numbers() == jwt.PyJWK(jwk).key.public_numbers()
    async with app.state.sessionmaker() as session:
        row = (
            await session.execute(
                select(IntegrationSigningKey).where(IntegrationSigningKey.kid == kid)
            )
        ).scalar_one()
    pkcs8 = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    blob = row.private_key_encrypted
    assert pkcs8 not in blob
    assert private_key.private_numbers().d.to_bytes(256, "big") not in blob
    # The ciphertext is bound to its tenant and kid, and to the server secret.
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"xentree:integration-tokens",
        info=b"xentree:integration-signing-key-encryption:v1",
    ).derive(TEST_SECRET.encode())
    with pytest.raises(InvalidTag):
        AESGCM(key).decrypt(blob[1:13], blob[13:], uuid.uuid4().bytes + kid.encode())
    with pytest.raises(KeyDecryptionError):
        KeyEncryptor("another-secret-key-0123456789").decrypt(
            blob, tenant_id=uuid.UUID(tenant.id), kid=kid
        )
    assert KeyEncryptor(TEST_SECRET).decrypt(blob, tenant_id=uuid.UUID(tenant.id), kid=kid) == pkcs8


async def test_keys_are_parsed_once_and_reloaded_after_a_rotation_elsewhere(
    app: FastAPI, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    service = get_integration_service_for_app(app)
    stats = service.keyring.stats
    public_before, private_before = stats.public_parses, stats.private_loads
    tokens = [(await grant(client, tenant))["token"] for _ in range(3)]
    for token in tokens:
        assert (await verify(client, tenant, token))["valid"] is True
    assert stats.public_parses == public_before + 1
    assert stats.private_loads == private_before  # the created key was kept in the cache

    # Another process (its own service and cache) rotates the tenant's key.
    other_process = IntegrationTokenService(app.state.settings)
    async with app.state.sessionmaker() as session:
        new_kid, old_kid = await other_process.rotate_signing_key(session, uuid.UUID(tenant.id))
        await session.commit()
    assert old_kid == split(tokens[0])[0]["kid"]

    after = [await grant(client, tenant) for _ in range(3)]
    assert {issued["kid"] for issued in after} == {new_kid}
    assert stats.private_loads == private_before + 1  # loaded (decrypted) once, then cached
    for issued in after:
        assert (await verify(client, tenant, issued["token"]))["valid"] is True
    assert stats.public_parses == public_before + 2
    # Tokens of the retired key still verify while they live.
    assert (await verify(client, tenant, tokens[0]))["valid"] is True
