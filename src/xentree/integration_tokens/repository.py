"""All SQL of the integration-token domain."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, case, delete, exists, false, func, literal, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from xentree.kit.db import for_update
from xentree.kit.fastread import FastReader
from xentree.models import (
    IntegrationGrant,
    IntegrationRevokedJti,
    IntegrationSigningKey,
    IntegrationTokenRevocation,
    Organization,
    OrganizationMember,
)

ACTIVE = "active"
RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class VerificationFacts:
    """What one query tells about a token's `kid` (and the tenant's deny-list for its `jti`)."""

    organization_id: uuid.UUID
    public_key_der: bytes
    published: bool
    revoked: bool


def _published(now: datetime) -> Any:
    """A key is published (in the JWKS, usable to verify) while active or while a token it
    signed is still alive."""
    live_token = exists().where(
        IntegrationGrant.kid == IntegrationSigningKey.kid, IntegrationGrant.expires_at > now
    )
    return case((IntegrationSigningKey.status == ACTIVE, true()), else_=live_token)


async def _insert_ignore(
    session: AsyncSession, table: Table, values: dict[str, Any], conflict: list[str]
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING (both dialects have it); True when a row was written."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(literal(1))
    )
    result = await session.execute(statement)
    return result.first() is not None


class TenantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def exists(self, tenant_id: uuid.UUID) -> bool:
        result = await self.session.execute(
            select(Organization.id).where(Organization.id == tenant_id)
        )
        return result.first() is not None

    async def lock(self, tenant_id: uuid.UUID) -> bool:
        """Lock the tenant's row (serializes key creation and rotation); False if absent."""
        statement = for_update(
            select(Organization.id).where(Organization.id == tenant_id), self.session
        )
        result = await self.session.execute(statement)
        return result.first() is not None

    async def member_role(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
        result = await self.session.execute(
            select(OrganizationMember.role).where(
                OrganizationMember.organization_id == tenant_id,
                OrganizationMember.user_id == user_id,
            )
        )
        return result.scalar_one_or_none()


class SigningKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def active(self, tenant_id: uuid.UUID) -> IntegrationSigningKey | None:
        result = await self.session.execute(
            select(IntegrationSigningKey).where(
                IntegrationSigningKey.organization_id == tenant_id,
                IntegrationSigningKey.status == ACTIVE,
            )
        )
        return result.scalar_one_or_none()

    async def add(self, key: IntegrationSigningKey) -> IntegrationSigningKey:
        self.session.add(key)
        await self.session.flush()
        return key

    async def retire(self, key: IntegrationSigningKey, now: datetime) -> None:
        key.status = RETIRED
        key.retired_at = now
        # Flushed before the new active key is inserted (one active key per tenant).
        await self.session.flush()

    async def published(self, tenant_id: uuid.UUID, now: datetime) -> list[IntegrationSigningKey]:
        """Active key first, then retired keys that still have live tokens, newest first."""
        result = await self.session.execute(
            select(IntegrationSigningKey)
            .where(IntegrationSigningKey.organization_id == tenant_id, _published(now))
            .order_by(
                (IntegrationSigningKey.status == ACTIVE).desc(),
                IntegrationSigningKey.created_at.desc(),
                IntegrationSigningKey.kid,
            )
        )
        return list(result.scalars())

    async def verification_facts(
        self, kid: str, tenant_id: uuid.UUID, jti: str | None, now: datetime
    ) -> VerificationFacts | None:
        """The hot path of verify: the key by `kid` and the revocation of `jti`, one round trip."""
        revoked: Any = (
            exists().where(
                IntegrationRevokedJti.organization_id == tenant_id,
                IntegrationRevokedJti.jti == jti,
            )
            if jti is not None
            else false()
        )
        result = await self.session.execute(
            select(
                IntegrationSigningKey.organization_id,
                IntegrationSigningKey.public_key_der,
                _published(now).label("published"),
                revoked.label("revoked"),
            ).where(IntegrationSigningKey.kid == kid)
        )
        row = result.first()
        if row is None:
            return None
        return VerificationFacts(
            organization_id=row.organization_id,
            public_key_der=row.public_key_der,
            published=bool(row.published),
            revoked=bool(row.revoked),
        )


class GrantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, grant: IntegrationGrant) -> None:
        self.session.add(grant)
        await self.session.flush()

    async def get(self, tenant_id: uuid.UUID, jti: str) -> IntegrationGrant | None:
        result = await self.session.execute(
            select(IntegrationGrant).where(
                IntegrationGrant.jti == jti, IntegrationGrant.organization_id == tenant_id
            )
        )
        return result.scalar_one_or_none()

    async def prune(self, now: datetime) -> int:
        result = await self.session.execute(
            delete(IntegrationGrant)
            .where(IntegrationGrant.expires_at <= now)
            .returning(IntegrationGrant.jti)
        )
        return len(result.all())


class RevocationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, tenant_id: uuid.UUID, jti: str) -> IntegrationTokenRevocation | None:
        result = await self.session.execute(
            select(IntegrationTokenRevocation).where(
                IntegrationTokenRevocation.organization_id == tenant_id,
                IntegrationTokenRevocation.jti == jti,
            )
        )
        return result.scalar_one_or_none()

    async def record(
        self,
        *,
        tenant_id: uuid.UUID,
        jti: str,
        reason: str | None,
        revoked_at: datetime,
        revoked_by: uuid.UUID | None,
        expires_at: datetime | None,
        deny_until: datetime,
    ) -> bool:
        """Record a revocation unless (tenant, jti) already has one; True when this call did.

        The history row is the idempotency key; the deny-list row is what verification reads.
        """
        inserted = await _insert_ignore(
            self.session,
            IntegrationTokenRevocation.__table__,  # type: ignore[arg-type]
            {
                "id": uuid.uuid4(),
                "organization_id": tenant_id,
                "jti": jti,
                "reason": reason,
                "revoked_at": revoked_at,
                "revoked_by": revoked_by,
                "expires_at": expires_at,
            },
            ["organization_id", "jti"],
        )
        if inserted:
            await _insert_ignore(
                self.session,
                IntegrationRevokedJti.__table__,  # type: ignore[arg-type]
                {"organization_id": tenant_id, "jti": jti, "expires_at": deny_until},
                ["organization_id", "jti"],
            )
        return inserted

    async def prune_deny_list(self, now: datetime) -> int:
        result = await self.session.execute(
            delete(IntegrationRevokedJti)
            .where(IntegrationRevokedJti.expires_at <= now)
            .returning(IntegrationRevokedJti.jti)
        )
        return len(result.all())

    async def page(
        self, tenant_id: uuid.UUID | None, *, limit: int, offset: int
    ) -> tuple[list[IntegrationTokenRevocation], int]:
        count = select(func.count()).select_from(IntegrationTokenRevocation)
        rows = select(IntegrationTokenRevocation)
        if tenant_id is not None:
            count = count.where(IntegrationTokenRevocation.organization_id == tenant_id)
            rows = rows.where(IntegrationTokenRevocation.organization_id == tenant_id)
        total = await self.session.scalar(count)
        result = await self.session.execute(
            rows.order_by(
                IntegrationTokenRevocation.revoked_at.desc(), IntegrationTokenRevocation.id
            )
            .limit(limit)
            .offset(offset)
        )
        return list(result.scalars()), int(total or 0)


def _member_role_statement() -> Any:
    return select(OrganizationMember.role).where(
        OrganizationMember.organization_id == bindparam("tenant_id"),
        OrganizationMember.user_id == bindparam("user_id"),
    )


def _facts_statement() -> Any:
    live_token = exists().where(
        IntegrationGrant.kid == IntegrationSigningKey.kid,
        IntegrationGrant.expires_at > bindparam("now"),
    )
    revoked = exists().where(
        IntegrationRevokedJti.organization_id == bindparam("tenant_id"),
        IntegrationRevokedJti.jti == bindparam("jti"),
    )
    return select(
        IntegrationSigningKey.organization_id,
        IntegrationSigningKey.public_key_der,
        case((IntegrationSigningKey.status == bindparam("active"), true()), else_=live_token),
        revoked,
    ).where(IntegrationSigningKey.kid == bindparam("kid"))


class VerificationReader:
    """Verify's two reads, made outside any transaction through `kit.fastread`.

    Verification writes nothing, so it needs no BEGIN/COMMIT: on SQLite a read-only connection
    in WAL mode, on PostgreSQL one pooled round trip per query, each seeing the last committed
    state - a revocation committed by any process is seen by the next verification.
    """

    def __init__(self, reader: FastReader) -> None:
        self._role = reader.prepare("integration_tokens.member_role", _member_role_statement())
        self._facts = reader.prepare("integration_tokens.verification_facts", _facts_statement())
        self._reader = reader

    async def member_role(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
        row = await self._reader.fetch_one(self._role, tenant_id=tenant_id, user_id=user_id)
        return None if row is None else str(row[0])

    async def verification_facts(
        self, kid: str, tenant_id: uuid.UUID, jti: str | None, now: datetime
    ) -> VerificationFacts | None:
        row = await self._reader.fetch_one(
            self._facts, kid=kid, tenant_id=tenant_id, jti=jti or "", now=now, active=ACTIVE
        )
        if row is None:
            return None
        return VerificationFacts(
            organization_id=row[0],
            public_key_der=bytes(row[1]),
            published=bool(row[2]),
            revoked=bool(row[3]),
        )
