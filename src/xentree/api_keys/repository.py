"""All SQL of the API-key domain."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from xentree.models import ApiKey, OrganizationMember

MANAGING_ROLES = ("owner", "admin")


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, key: ApiKey) -> ApiKey:
        self.session.add(key)
        await self.session.flush()
        return key

    def _visible(self, user_id: uuid.UUID) -> Select[ApiKey]:
        """Keys of organizations the user belongs to: all of them for owners and admins, the
        user's own keys otherwise."""
        return (
            select(ApiKey)
            .join(
                OrganizationMember,
                and_(
                    OrganizationMember.organization_id == ApiKey.organization_id,
                    OrganizationMember.user_id == user_id,
                ),
            )
            .where(or_(OrganizationMember.role.in_(MANAGING_ROLES), ApiKey.created_by == user_id))
        )

    async def list_visible(
        self, user_id: uuid.UUID, *, organization_id: uuid.UUID | None = None
    ) -> list[ApiKey]:
        statement = self._visible(user_id)
        if organization_id is not None:
            statement = statement.where(ApiKey.organization_id == organization_id)
        result = await self.session.execute(statement.order_by(ApiKey.created_at.desc(), ApiKey.id))
        return list(result.scalars().all())

    async def get_visible(self, user_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        result = await self.session.execute(self._visible(user_id).where(ApiKey.id == key_id))
        return result.scalar_one_or_none()

    async def delete(self, key_id: uuid.UUID) -> None:
        # The credential lookup reads the table on every request, so a committed delete is a
        # revocation for every server process at once (no cache to invalidate).
        await self.session.execute(delete(ApiKey).where(ApiKey.id == key_id))
