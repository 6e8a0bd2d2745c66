"""All SQL of the authentication domain: users, sessions, refresh tokens, credential lookups."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from xentree.kit.db import for_update
from xentree.models import ApiKey, AuthSession, OrganizationMember, RefreshToken, User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def get_by_username(self, username: str) -> User | None:
        result = await self.session.execute(select(User).where(User.username == username))
        return result.scalar_one_or_none()

    async def get_by_login(self, login: str) -> User | None:
        result = await self.session.execute(
            select(User).where(or_(User.username == login, User.email == login))
        )
        return result.scalars().first()

    async def username_exists(self, username: str) -> bool:
        result = await self.session.execute(select(User.id).where(User.username == username))
        return result.first() is not None

    async def email_exists(self, email: str, *, exclude: uuid.UUID | None = None) -> bool:
        statement = select(User.id).where(User.email == email)
        if exclude is not None:
            statement = statement.where(User.id != exclude)
        result = await self.session.execute(statement)
        return result.first() is not None

    async def add(self, user: User) -> User:
        self.session.add(user)
        await self.session.flush()
        return user


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, auth_session: AuthSession) -> AuthSession:
        self.session.add(auth_session)
        await self.session.flush()
        return auth_session

    async def get_with_user(self, session_id: uuid.UUID) -> tuple[AuthSession, User] | None:
        """The one indexed lookup behind every bearer request."""
        result = await self.session.execute(
            select(AuthSession, User)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.id == session_id)
        )
        row = result.first()
        return (row[0], row[1]) if row else None

    async def revoke(self, session_id: uuid.UUID, *, at: datetime, reason: str) -> None:
        await self.session.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=at, revoked_reason=reason)
        )

    async def revoke_all_for_user(
        self,
        user_id: uuid.UUID,
        *,
        at: datetime,
        reason: str,
        keep: uuid.UUID | None = None,
    ) -> None:
        statement = update(AuthSession).where(
            AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
        )
        if keep is not None:
            statement = statement.where(AuthSession.id != keep)
        await self.session.execute(statement.values(revoked_at=at, revoked_reason=reason))


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: RefreshToken) -> RefreshToken:
        self.session.add(token)
        await self.session.flush()
        return token

    async def get_for_rotation(self, token_hash: bytes) -> tuple[RefreshToken, AuthSession] | None:
        """The token and its session, the token row locked until the transaction ends."""
        statement = for_update(
            select(RefreshToken, AuthSession)
            .join(AuthSession, AuthSession.id == RefreshToken.session_id)
            .where(RefreshToken.token_hash == token_hash),
            self.session,
        )
        result = await self.session.execute(statement)
        row = result.first()
        return (row[0], row[1]) if row else None

    async def get(self, token_id: uuid.UUID) -> RefreshToken | None:
        return await self.session.get(RefreshToken, token_id)


class ApiKeyCredentialRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_active(self, key_hash: bytes) -> tuple[ApiKey, User] | None:
        """The key and its creator, provided the creator still belongs to the key's organization.

        One query on the unique hash index, joined to the membership primary key.
        """
        result = await self.session.execute(
            select(ApiKey, User)
            .join(User, User.id == ApiKey.created_by)
            .join(
                OrganizationMember,
                (OrganizationMember.organization_id == ApiKey.organization_id)
                & (OrganizationMember.user_id == ApiKey.created_by),
            )
            .where(ApiKey.key_hash == key_hash)
        )
        row = result.first()
        return (row[0], row[1]) if row else None

    async def touch(self, key_id: uuid.UUID, *, now: datetime, every: timedelta) -> None:
        """Record use at most once per `every`: the WHERE clause makes most calls write nothing."""
        await self.session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == key_id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= now - every),
            )
            .values(last_used_at=now)
        )
