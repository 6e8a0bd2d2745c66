"""Authentication rules: accounts, sessions, refresh-token rotation and credential checks.

Never commits: the request's transaction (or the CLI's `session_scope`) does.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from xentree.auth.caller import Caller, CredentialKind, bearer_scopes
from xentree.auth.credentials import ApiKeyHasher, looks_like_api_key
from xentree.auth.exceptions import (
    ApiKeyExpired,
    EmailTaken,
    InvalidApiKey,
    InvalidCredentials,
    InvalidCurrentPassword,
    InvalidServiceKey,
    IpNotAllowed,
    LoginRateLimited,
    RefreshTokenReused,
    UsernameTaken,
)
from xentree.auth.passwords import PasswordHasher, password_problem
from xentree.auth.repository import (
    ApiKeyUsageRepository,
    CredentialRepository,
    RefreshTokenRepository,
    SessionRepository,
    UserRepository,
)
from xentree.auth.schemas import RegisterRequest, TokenResponse, UpdateMeRequest
from xentree.config import Settings
from xentree.kit.crypto import constant_time_equals, derive_key, keyed_hash, random_urlsafe, sha256
from xentree.kit.errors import InvalidToken, NotFound, TokenExpired, TokenRevoked, ValidationFailed
from xentree.kit.jwt import AccessTokenCodec, AccessTokenError
from xentree.kit.net import ip_in, networks, parse_ip
from xentree.kit.ratelimit import LimitState, RateLimiter
from xentree.kit.time import utcnow
from xentree.models import AuthSession, RefreshToken, User

REFRESH_PREFIX = "xrt_"
API_KEY_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class LoginResult:
    tokens: TokenResponse
    rate_limit: LimitState


class AuthService:
    def __init__(self, settings: Settings, *, limiter: RateLimiter) -> None:
        self.settings = settings
        self.hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost_kib=settings.argon2_memory_cost_kib,
            parallelism=settings.argon2_parallelism,
        )
        self.codec = AccessTokenCodec(
            derive_key(settings.secret_key, "access-token"),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=settings.access_token_ttl_seconds,
        )
        self.api_key_hasher = ApiKeyHasher(settings.secret_key)
        self._successor_key = derive_key(settings.secret_key, "refresh-successor")
        self.limiter = limiter
        self._account_limit = RateLimiter.item(
            settings.login_max_failures_per_account, settings.login_window_seconds
        )
        self._ip_limit = RateLimiter.item(
            settings.login_max_failures_per_ip, settings.login_window_seconds
        )

    # --- accounts -------------------------------------------------------------------------

    async def create_user(
        self,
        session: AsyncSession,
        payload: RegisterRequest,
        *,
        is_admin: bool = False,
    ) -> User:
        users = UserRepository(session)
        problem = password_problem(payload.password, username=payload.username)
        if problem:
            raise ValidationFailed(problem, loc=["body", "password"])
        if await users.username_exists(payload.username):
            raise UsernameTaken()
        if await users.email_exists(payload.email):
            raise EmailTaken()
        now = utcnow()
        user = User(
            username=payload.username,
            email=payload.email,
            password_hash=await self.hasher.hash(payload.password),
            full_name=payload.full_name,
            timezone=payload.timezone,
            public_profile=True,
            plan="free",
            is_admin=is_admin,
            created_at=now,
            updated_at=now,
        )
        return await users.add(user)

    async def promote(self, session: AsyncSession, username: str) -> User:
        user = await UserRepository(session).get_by_username(username.casefold())
        if user is None:
            raise NotFound(f"No user named {username!r}")
        user.is_admin = True
        return user

    async def update_me(
        self, session: AsyncSession, caller: Caller, payload: UpdateMeRequest
    ) -> User:
        user = caller.required_user
        changes = payload.model_dump(exclude_unset=True)
        for field in ("email", "timezone", "public_profile"):
            if field in changes and changes[field] is None:
                raise ValidationFailed(f"{field} cannot be null", loc=["body", field])
        if ("new_password" in changes) != ("current_password" in changes):
            raise ValidationFailed(
                "current_password and new_password must be given together",
                loc=[
                    "body",
                    "new_password" if "current_password" in changes else "current_password",
                ],
            )
        if changes.get("email") is not None and changes["email"] != user.email:
            if await UserRepository(session).email_exists(changes["email"], exclude=user.id):
                raise EmailTaken()
            user.email = changes["email"]
        for field in ("full_name", "timezone", "avatar_url", "bio", "public_profile"):
            if field in changes:
                setattr(user, field, changes[field])
        if payload.new_password is not None and payload.current_password is not None:
            if not await self.hasher.verify(user.password_hash, payload.current_password):
                raise InvalidCurrentPassword()
            problem = password_problem(payload.new_password, username=user.username)
            if problem:
                raise ValidationFailed(problem, loc=["body", "new_password"])
            user.password_hash = await self.hasher.hash(payload.new_password)
            await SessionRepository(session).revoke_all_for_user(
                user.id, at=utcnow(), reason="password_changed", keep=caller.session_id
            )
        user.updated_at = utcnow()
        await session.flush()
        return user

    # --- login and sessions -----------------------------------------------------------------

    async def login(
        self,
        session: AsyncSession,
        *,
        login: str,
        password: str,
        client_ip: str,
        user_agent: str | None,
    ) -> LoginResult:
        account_key = login.strip().casefold()[:320]
        account_state = await self.limiter.state(self._account_limit, "login-account", account_key)
        ip_state = await self.limiter.state(self._ip_limit, "login-ip", client_ip)
        tightest = LimitState.tightest(account_state, ip_state)
        if account_state.exhausted or ip_state.exhausted:
            blocked = [s for s in (account_state, ip_state) if s.exhausted]
            retry = max(s.reset_seconds for s in blocked)
            raise LoginRateLimited(retry_after=retry, headers=tightest.headers())

        user = await UserRepository(session).get_by_login(account_key)
        ok = await self.hasher.verify(user.password_hash if user else None, password)
        if user is None or not ok:
            account_state = await self.limiter.hit(
                self._account_limit, "login-account", account_key
            )
            ip_state = await self.limiter.hit(self._ip_limit, "login-ip", client_ip)
            tightest = LimitState.tightest(account_state, ip_state)
            raise InvalidCredentials(headers=tightest.headers())

        if self.hasher.needs_rehash(user.password_hash):
            user.password_hash = await self.hasher.hash(password)
        tokens = await self._start_session(
            session, user, client_ip=client_ip, user_agent=user_agent
        )
        return LoginResult(tokens=tokens, rate_limit=tightest)

    async def _start_session(
        self, session: AsyncSession, user: User, *, client_ip: str, user_agent: str | None
    ) -> TokenResponse:
        now = utcnow()
        auth_session = await SessionRepository(session).add(
            AuthSession(
                user_id=user.id,
                created_at=now,
                expires_at=now
                + timedelta(seconds=self.settings.refresh_token_absolute_ttl_seconds),
                user_agent=(user_agent or "")[:255] or None,
                ip_address=client_ip[:45],
            )
        )
        token_value = REFRESH_PREFIX + random_urlsafe(32)
        refresh = await RefreshTokenRepository(session).add(
            RefreshToken(
                session_id=auth_session.id,
                token_hash=sha256(token_value),
                created_at=now,
                expires_at=self._refresh_expiry(auth_session, now),
                access_jti=uuid.uuid4(),
            )
        )
        return self._token_pair(user.id, auth_session.id, refresh, token_value)

    def _refresh_expiry(self, auth_session: AuthSession, now: datetime) -> datetime:
        idle = now + timedelta(seconds=self.settings.refresh_token_idle_ttl_seconds)
        return min(idle, auth_session.expires_at)

    def _successor_value(self, parent_hash: bytes) -> str:
        # Derived, not stored: a replay inside the grace window gets the very same successor
        # without the server ever keeping a usable refresh token at rest.
        digest = keyed_hash(self._successor_key, base64.b64encode(parent_hash).decode())
        return REFRESH_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def _token_pair(
        self, user_id: uuid.UUID, session_id: uuid.UUID, refresh: RefreshToken, value: str
    ) -> TokenResponse:
        access = self.codec.encode(
            user_id=user_id,
            session_id=session_id,
            jti=refresh.access_jti,
            issued_at=refresh.created_at,
        )
        return TokenResponse(
            access_token=access,
            refresh_token=value,
            expires_in=int(self.codec.ttl.total_seconds()),
        )

    async def refresh(self, session: AsyncSession, refresh_token: str) -> TokenResponse:
        tokens = RefreshTokenRepository(session)
        token_hash = sha256(refresh_token)
        found = await tokens.get_for_rotation(token_hash)
        if found is None:
            raise InvalidToken("The refresh token is invalid")
        current, auth_session = found
        now = utcnow()
        if auth_session.revoked_at is not None:
            raise TokenRevoked("This session has been revoked; log in again")
        if auth_session.expires_at <= now:
            raise TokenExpired("This session has expired; log in again")

        if current.rotated_at is not None:
            grace = timedelta(seconds=self.settings.refresh_reuse_grace_seconds)
            successor = await tokens.get(current.successor_id) if current.successor_id else None
            if successor is not None and now - current.rotated_at <= grace:
                return self._token_pair(
                    auth_session.user_id,
                    auth_session.id,
                    successor,
                    self._successor_value(current.token_hash),
                )
            await SessionRepository(session).revoke(
                auth_session.id, at=now, reason="refresh_token_reused"
            )
            raise RefreshTokenReused()

        if current.expires_at <= now:
            raise TokenExpired("The refresh token has expired; log in again")
        successor_value = self._successor_value(current.token_hash)
        successor = await tokens.add(
            RefreshToken(
                session_id=auth_session.id,
                token_hash=sha256(successor_value),
                created_at=now,
                expires_at=self._refresh_expiry(auth_session, now),
                access_jti=uuid.uuid4(),
            )
        )
        current.rotated_at = now
        current.successor_id = successor.id
        await session.flush()
        return self._token_pair(auth_session.user_id, auth_session.id, successor, successor_value)

    async def logout(self, session: AsyncSession, caller: Caller, *, all_devices: bool) -> None:
        sessions = SessionRepository(session)
        now = utcnow()
        if all_devices:
            await sessions.revoke_all_for_user(caller.user_id, at=now, reason="logout_all")
        elif caller.session_id is not None:
            await sessions.revoke(caller.session_id, at=now, reason="logout")

    # --- credentials ------------------------------------------------------------------------

    async def authenticate_bearer(self, credentials: CredentialRepository, token: str) -> Caller:
        now = utcnow()
        try:
            claims = self.codec.decode(token, now=now)
        except AccessTokenError as exc:
            if exc.reason == "expired":
                raise TokenExpired() from exc
            raise InvalidToken() from exc
        found = await credentials.session_with_user(claims.session_id)
        if found is None:
            raise InvalidToken()
        state, user = found
        if user.id != claims.user_id:
            raise InvalidToken()
        if state.revoked_at is not None:
            raise TokenRevoked()
        if state.expires_at <= now:
            raise TokenExpired("The session has expired; log in again")
        return Caller(
            kind=CredentialKind.bearer,
            user=user,
            scopes=bearer_scopes(),
            session_id=claims.session_id,
        )

    async def authenticate_api_key(
        self,
        credentials: CredentialRepository,
        api_key: str,
        *,
        client_ip: str,
    ) -> tuple[Caller, bool]:
        """The key's caller, and whether its use is due to be recorded (`record_api_key_use`)."""
        if not looks_like_api_key(api_key):
            raise InvalidApiKey()
        found = await credentials.api_key_with_user(self.api_key_hasher.hash(api_key))
        if found is None:
            raise InvalidApiKey()
        key, user = found
        now = utcnow()
        if key.expires_at is not None and key.expires_at <= now:
            raise ApiKeyExpired()
        if key.allowed_ips:
            address = parse_ip(client_ip)
            if address is None or not ip_in(address, networks(tuple(key.allowed_ips))):
                raise IpNotAllowed()
        caller = Caller(
            kind=CredentialKind.api_key,
            user=user,
            scopes=frozenset(key.scopes),
            organization_id=key.organization_id,
            api_key_id=key.id,
        )
        use_due = key.last_used_at is None or now - key.last_used_at >= API_KEY_TOUCH_EVERY
        return caller, use_due

    async def record_api_key_use(self, session: AsyncSession, key_id: uuid.UUID) -> None:
        """`last_used_at`, written at most once per `API_KEY_TOUCH_EVERY`."""
        await ApiKeyUsageRepository(session).touch(key_id, now=utcnow(), every=API_KEY_TOUCH_EVERY)

    def authenticate_service_key(self, presented: str) -> Caller:
        expected = self.settings.service_key
        if not expected or not constant_time_equals(presented, expected):
            raise InvalidServiceKey()
        return Caller(kind=CredentialKind.service_key, user=None, scopes=frozenset())
