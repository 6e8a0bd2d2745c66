"""All SQL of the authentication domain: users, sessions, refresh tokens, credential lookups."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import LargeBinary, Uuid, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import manager_of_class

from xentree.kit.db import for_update
from xentree.kit.fastread import FastReader
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


@dataclass(frozen=True, slots=True)
class SessionState:
    revoked_at: datetime | None
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKeyState:
    id: uuid.UUID
    organization_id: uuid.UUID
    scopes: list[str]
    allowed_ips: list[str]
    expires_at: datetime | None
    last_used_at: datetime | None


_USER_COLUMNS = tuple(User.__table__.columns)
_USER_MANAGER = manager_of_class(User)
_USER_KEYS = tuple(User.__mapper__.get_property_by_column(c).key for c in _USER_COLUMNS)
_API_KEY_COLUMNS = (
    ApiKey.id,
    ApiKey.organization_id,
    ApiKey.scopes,
    ApiKey.allowed_ips,
    ApiKey.expires_at,
    ApiKey.last_used_at,
)


def _detached_user(values: tuple[Any, ...]) -> User:
    """A fully loaded `User` the request's session can adopt without a query (see Authenticator)."""
    # Filled the way the ORM's own loader fills rows (no __init__, no change history), which is
    # several times cheaper than the constructor on this per-request path.
    user: User = _USER_MANAGER.new_instance()
    user.__dict__.update(zip(_USER_KEYS, values, strict=True))
    make_transient_to_detached(user)
    return user


class CredentialRepository:
    """The per-request credential lookups: one indexed read each, outside any transaction."""

    def __init__(self, reader: FastReader) -> None:
        self.reader = reader
        self._session_query = reader.prepare(
            "auth.session_with_user",
            select(AuthSession.revoked_at, AuthSession.expires_at, *_USER_COLUMNS)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.id == bindparam("session_id", type_=Uuid())),
        )
        # The key counts only while its creator still belongs to the key's organization.
        self._api_key_query = reader.prepare(
            "auth.api_key_with_user",
            select(*_API_KEY_COLUMNS, *_USER_COLUMNS)
            .join(User, User.id == ApiKey.created_by)
            .join(
                OrganizationMember,
                (OrganizationMember.organization_id == ApiKey.organization_id)
                & (OrganizationMember.user_id == ApiKey.created_by),
            )
            .where(ApiKey.key_hash == bindparam("key_hash", type_=LargeBinary())),
        )

    async def session_with_user(self, session_id: uuid.UUID) -> tuple[SessionState, User] | None:
        row = await self.reader.fetch_one(self._session_query, session_id=session_id)
        if row is None:
            return None
        return SessionState(revoked_at=row[0], expires_at=row[1]), _detached_user(row[2:])

    async def api_key_with_user(self, key_hash: bytes) -> tuple[ApiKeyState, User] | None:
        row = await self.reader.fetch_one(self._api_key_query, key_hash=key_hash)
        if row is None:
            return None
        count = len(_API_KEY_COLUMNS)
        return ApiKeyState(*row[:count]), _detached_user(row[count:])


class ApiKeyUsageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def touch(self, key_id: uuid.UUID, *, now: datetime, every: timedelta) -> None:
        """Record use at most once per `every`; the WHERE clause settles races between processes.

        When this runs inside a request's transaction, the row lock lasts until that request
        ends; picking the row with `FOR UPDATE SKIP LOCKED` (PostgreSQL; not rendered on SQLite,
        whose writer lock serializes anyway) lets concurrent requests of the same key skip the
        write instead of queueing behind a slow request.
        """
        due = (
            select(ApiKey.id)
            .where(
                ApiKey.id == key_id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= now - every),
            )
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        await self.session.execute(
            update(ApiKey)
            .where(ApiKey.id == due)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
