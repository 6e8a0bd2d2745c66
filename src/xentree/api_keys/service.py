"""API-key rules (contract §4). Never commits.

Only owners and admins of an organization mint keys for it. The key is shown once; the table
holds its HMAC-SHA256 under a sub-key of the server secret, so resolving a presented key is one
indexed equality lookup (see `AuthService.authenticate_api_key`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from xentree.api_keys.exceptions import (
    ApiKeyNotFound,
    ApiKeyOrganizationNotFound,
    ApiKeyRoleForbidden,
    ExpiryInPast,
)
from xentree.api_keys.repository import ApiKeyRepository
from xentree.api_keys.schemas import APIKeyCreateRequest
from xentree.auth.caller import Caller
from xentree.auth.credentials import API_KEY_DISPLAY_PREFIX, ApiKeyHasher, generate_api_key
from xentree.kit.time import utcnow
from xentree.models import ApiKey
from xentree.organizations.policies import Role, at_least
from xentree.organizations.repository import MemberRepository


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    record: ApiKey
    key: str


class ApiKeyService:
    def __init__(self, session: AsyncSession, hasher: ApiKeyHasher) -> None:
        self.session = session
        self.hasher = hasher
        self.keys = ApiKeyRepository(session)

    async def create(self, caller: Caller, payload: APIKeyCreateRequest) -> CreatedApiKey:
        member = await MemberRepository(self.session).get(payload.organization_id, caller.user_id)
        if member is None:
            raise ApiKeyOrganizationNotFound()
        if not at_least(member.role, Role.admin):
            raise ApiKeyRoleForbidden()
        now = utcnow()
        if payload.expires_at is not None and payload.expires_at <= now:
            raise ExpiryInPast()
        key = generate_api_key()
        record = await self.keys.add(
            ApiKey(
                name=payload.name,
                prefix=key[:API_KEY_DISPLAY_PREFIX],
                key_hash=self.hasher.hash(key),
                organization_id=payload.organization_id,
                created_by=caller.user_id,
                scopes=[scope.value for scope in payload.scopes],
                allowed_ips=list(payload.allowed_ips),
                expires_at=payload.expires_at,
                created_at=now,
            )
        )
        return CreatedApiKey(record, key)

    async def list_keys(
        self, caller: Caller, *, organization_id: uuid.UUID | None = None
    ) -> list[ApiKey]:
        return await self.keys.list_visible(caller.user_id, organization_id=organization_id)

    async def delete(self, caller: Caller, key_id: uuid.UUID) -> None:
        """Owners and admins delete any key of their organizations, others their own keys."""
        if await self.keys.get_visible(caller.user_id, key_id) is None:
            raise ApiKeyNotFound()
        await self.keys.delete(key_id)
