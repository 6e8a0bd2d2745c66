"""Helpers of the integration-token tests: a tenant whose owner is logged in, grants, admins."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import FastAPI
from sqlalchemy import select

from tests.fixtures.auth import (
    AuthedUser,
    UserFactory,
    api_key_headers,
    make_api_key,
    make_organization,
)
from xentree.kit.time import clock, utcnow
from xentree.models import IntegrationSigningKey, OrganizationMember, User

ORIGIN = "https://partner.example.com"


@dataclass
class Tenant:
    id: str
    owner: AuthedUser

    @property
    def headers(self) -> dict[str, str]:
        return self.owner.headers


async def new_tenant(app: FastAPI, user_factory: UserFactory) -> Tenant:
    owner = await user_factory()
    return Tenant(id=await make_organization(app, owner.id), owner=owner)


@pytest.fixture
async def tenant(app: FastAPI, user_factory: UserFactory) -> Tenant:
    return await new_tenant(app, user_factory)


@pytest.fixture
async def other_tenant(app: FastAPI, user_factory: UserFactory) -> Tenant:
    return await new_tenant(app, user_factory)


async def key_headers(app: FastAPI, tenant: Tenant, *scopes: str) -> dict[str, str]:
    key = await make_api_key(app, tenant.owner.id, scopes, organization_id=tenant.id)
    return api_key_headers(key)


async def grant(
    client: httpx.AsyncClient,
    tenant: Tenant,
    *,
    headers: dict[str, str] | None = None,
    expect: int = 201,
    **body: Any,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "tenantId": tenant.id,
        "mode": "api",
        "origin": ORIGIN,
        "scopes": ["profile:read", "quota:read"],
    }
    payload.update(body)
    response = await client.post(
        "/api/integration/grant", json=payload, headers=headers or tenant.headers
    )
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def verify(
    client: httpx.AsyncClient, tenant: Tenant, token: str, **body: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {"token": token, "tenantId": tenant.id, **body}
    response = await client.post("/api/integration/verify", json=payload, headers=tenant.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def make_admin(app: FastAPI, user: AuthedUser) -> None:
    async with app.state.sessionmaker() as session:
        row = await session.get(User, uuid.UUID(user.id))
        assert row is not None
        row.is_admin = True
        await session.commit()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: object) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def split(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a compact JWS, decoded without any verification."""
    header_b64, payload_b64, _ = token.split(".")

    def decode(part: str) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        return value

    return decode(header_b64), decode(payload_b64)


async def tenant_private_key(app: FastAPI, tenant_id: str) -> tuple[str, rsa.RSAPrivateKey]:
    """The tenant's active key, decrypted independently of the server code (HKDF + AES-GCM)."""
    async with app.state.sessionmaker() as session:
        row = (
            await session.execute(
                select(IntegrationSigningKey).where(
                    IntegrationSigningKey.organization_id == uuid.UUID(tenant_id),
                    IntegrationSigningKey.status == "active",
                )
            )
        ).scalar_one()
    blob = row.private_key_encrypted
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"xentree:integration-tokens",
        info=b"xentree:integration-signing-key-encryption:v1",
    ).derive(app.state.settings.secret_key.encode())
    assert blob[:1] == b"\x01"
    pkcs8 = AESGCM(key).decrypt(
        blob[1:13], blob[13:], uuid.UUID(tenant_id).bytes + row.kid.encode()
    )
    private_key = serialization.load_der_private_key(pkcs8, password=None)
    assert isinstance(private_key, rsa.RSAPrivateKey)
    return row.kid, private_key


def forge(claims: dict[str, Any], key: rsa.RSAPrivateKey, kid: str, **header: Any) -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid, **header})


async def add_member(app: FastAPI, tenant_id: str, user_id: str, role: str) -> None:
    async with app.state.sessionmaker() as session:
        session.add(
            OrganizationMember(
                organization_id=uuid.UUID(tenant_id),
                user_id=uuid.UUID(user_id),
                role=role,
                joined_at=utcnow(),
            )
        )
        await session.commit()


def freeze_now() -> datetime:
    """Freeze the application clock at a whole second just after now (bearer tokens stay valid)."""
    at = utcnow().replace(microsecond=0) + timedelta(seconds=1)
    clock.freeze(at)
    return at
