"""Business rules of integration tokens: tenant access, grant, verify, revoke, rotate, keys.

Verification order (the first failing check names the reason): the token must parse
(`malformed`), name RS256 (`bad_signature`: `none`, HS*, anything else), carry the `kid` of a
published key (`unknown_key`: no such key, or a retired key none of whose tokens is alive), verify
with it (`bad_signature`), carry the full claim set (`malformed`), belong to the tenant asked about
(`wrong_tenant`: another tenant's key or `tid`), be inside its lifetime (`expired`,
`not_yet_valid`), not be revoked (`revoked`) and, when the caller names one, match the origin
(`origin_mismatch`). Time comes from the application clock, never from PyJWT's `time.time()`.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import jwt
from jwt.algorithms import RSAAlgorithm
from sqlalchemy.ext.asyncio import AsyncSession

from xentree.auth.caller import Caller, CredentialKind
from xentree.config import Settings
from xentree.integration_tokens.exceptions import (
    IntegrationTokenAlreadyRevoked,
    InvalidIntegrationToken,
    TenantNotFound,
    TenantRoleRequired,
)
from xentree.integration_tokens.keys import KeyRing, fingerprint_sha256, generate_key
from xentree.integration_tokens.repository import (
    ACTIVE,
    GrantRepository,
    RevocationRepository,
    SigningKeyRepository,
    TenantRepository,
    VerificationFacts,
    VerificationReader,
)
from xentree.integration_tokens.schemas import (
    MAX_TTL_SECONDS,
    MIN_TTL_SECONDS,
    IntegrationFingerprintResponse,
    IntegrationGrantRequest,
    IntegrationGrantResponse,
    IntegrationJWK,
    IntegrationJWKSResponse,
    IntegrationKeyFingerprint,
    IntegrationRevokeRequest,
    IntegrationRevokeResponse,
    IntegrationRotateRequest,
    IntegrationRotateResponse,
    IntegrationTokenRevocationItem,
    IntegrationVerifyRequest,
    IntegrationVerifyResponse,
)
from xentree.kit.errors import ValidationFailed
from xentree.kit.pagination import Page
from xentree.kit.time import utcnow
from xentree.models import IntegrationGrant, IntegrationSigningKey, IntegrationTokenRevocation

AUDIENCE = "xentree-integration"
ALGORITHM = "RS256"
MANAGER_ROLES = frozenset({"owner", "admin"})
ROTATED_REASON = "rotated"
_REQUIRED_CLAIMS = (
    "iss",
    "aud",
    "sub",
    "tid",
    "jti",
    "iat",
    "nbf",
    "exp",
    "scopes",
    "origin",
    "mode",
)
_JWS = jwt.PyJWS()
_RS256 = RSAAlgorithm(RSAAlgorithm.SHA256)


class RoleSource(Protocol):
    async def member_role(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> str | None: ...


class FactsSource(Protocol):
    async def verification_facts(
        self, kid: str, tenant_id: uuid.UUID, jti: str | None, now: datetime
    ) -> VerificationFacts | None: ...


@dataclass(slots=True)
class Inspection:
    """The outcome of checking a token against a tenant.

    `claims` is set once the signature is verified with a key of that tenant (even when the
    token is then found expired or revoked): only authentic claims are ever returned.
    """

    reason: str | None
    claims: dict[str, Any] | None = None
    revoked: bool = False
    kid: str | None = field(default=None)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _well_formed(claims: dict[str, Any], issuer: str) -> bool:
    if any(name not in claims for name in _REQUIRED_CLAIMS):
        return False
    try:
        uuid.UUID(str(claims["tid"]))
    except ValueError:
        return False
    return (
        claims["iss"] == issuer
        and claims["aud"] == AUDIENCE
        and isinstance(claims["sub"], str)
        and bool(claims["sub"])
        and isinstance(claims["tid"], str)
        and isinstance(claims["jti"], str)
        and 0 < len(claims["jti"]) <= 128
        and all(_is_int(claims[name]) for name in ("iat", "nbf", "exp"))
        and isinstance(claims["scopes"], list)
        and all(isinstance(scope, str) for scope in claims["scopes"])
        and isinstance(claims["origin"], str)
        and claims["mode"] in ("api", "embed")
    )


def _unverified_tenant(token: str) -> uuid.UUID:
    """The `tid` a token claims, only to find whose rules apply before it is verified."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return uuid.UUID(str(claims["tid"]))
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise InvalidIntegrationToken("malformed") from exc


def _from_timestamp(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


class IntegrationTokenService:
    def __init__(self, settings: Settings, keyring: KeyRing | None = None) -> None:
        self.settings = settings
        self.issuer = settings.jwt_issuer
        self.keyring = keyring or KeyRing(settings.secret_key)

    # --- tenants -------------------------------------------------------------------------

    async def resolve_tenant(
        self, roles: RoleSource, caller: Caller, tenant_id: uuid.UUID | None
    ) -> uuid.UUID:
        """The tenant the caller acts for: an API key's organization (another `tenantId` is
        404, as invisible), or for a user an organization where they are owner or admin."""
        if caller.kind == CredentialKind.api_key:
            if caller.organization_id is None:
                raise TenantNotFound()
            if tenant_id is not None and tenant_id != caller.organization_id:
                raise TenantNotFound()
            return caller.organization_id
        if tenant_id is None:
            raise ValidationFailed(
                "tenantId is required when calling with a user access token",
                loc=["body", "tenantId"],
            )
        role = await roles.member_role(tenant_id, caller.user_id)
        if role is None:
            raise TenantNotFound()
        if role not in MANAGER_ROLES:
            raise TenantRoleRequired()
        return tenant_id

    # --- signing keys --------------------------------------------------------------------

    async def _create_key(
        self, session: AsyncSession, tenant_id: uuid.UUID
    ) -> IntegrationSigningKey:
        new = await asyncio.to_thread(generate_key, self.keyring.encryptor, tenant_id)
        key = await SigningKeyRepository(session).add(
            IntegrationSigningKey(
                organization_id=tenant_id,
                kid=new.kid,
                status=ACTIVE,
                public_key_der=new.public_key_der,
                private_key_encrypted=new.private_key_encrypted,
                created_at=utcnow(),
            )
        )
        self.keyring.remember_private_key(tenant_id, new.kid, new.private_key)
        return key

    async def _signing_key(self, session: AsyncSession, tenant_id: uuid.UUID) -> tuple[str, Any]:
        """The tenant's active key (created on first use); parsed once per process."""
        keys = SigningKeyRepository(session)
        active = await keys.active(tenant_id)
        if active is None:
            if not await TenantRepository(session).lock(tenant_id):
                raise TenantNotFound()
            active = await keys.active(tenant_id)
            if active is None:
                active = await self._create_key(session, tenant_id)
        private_key = self.keyring.load_private_key(
            tenant_id, active.kid, active.private_key_encrypted
        )
        return active.kid, private_key

    async def rotate_signing_key(
        self, session: AsyncSession, tenant_id: uuid.UUID
    ) -> tuple[str, str | None]:
        """Activate a new key and retire the current one; returns (new kid, retired kid)."""
        if not await TenantRepository(session).lock(tenant_id):
            raise TenantNotFound()
        keys = SigningKeyRepository(session)
        old = await keys.active(tenant_id)
        if old is not None:
            await keys.retire(old, utcnow())
        new = await self._create_key(session, tenant_id)
        return new.kid, old.kid if old is not None else None

    # --- issuing -------------------------------------------------------------------------

    async def _issue(
        self,
        session: AsyncSession,
        caller: Caller,
        tenant_id: uuid.UUID,
        *,
        mode: str,
        origin: str,
        scopes: list[str],
        ttl_seconds: int,
        subject: str,
    ) -> IntegrationGrantResponse:
        kid, private_key = await self._signing_key(session, tenant_id)
        issued_at = int(utcnow().timestamp())
        expires_at = issued_at + ttl_seconds
        jti = str(uuid.uuid4())
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": subject,
            "tid": str(tenant_id),
            "jti": jti,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": expires_at,
            "scopes": scopes,
            "origin": origin,
            "mode": mode,
        }
        token = jwt.encode(claims, private_key, algorithm=ALGORITHM, headers={"kid": kid})
        await GrantRepository(session).add(
            IntegrationGrant(
                jti=jti,
                organization_id=tenant_id,
                kid=kid,
                subject=subject,
                issued_by=caller.user.id if caller.user is not None else None,
                issued_at=_from_timestamp(issued_at),
                expires_at=_from_timestamp(expires_at),
            )
        )
        return IntegrationGrantResponse(
            token=token,
            jti=jti,
            tenant_id=tenant_id,
            kid=kid,
            expires_at=_from_timestamp(expires_at),
            scopes=scopes,
            origin=origin,
            mode=mode,
        )

    async def grant(
        self, session: AsyncSession, caller: Caller, payload: IntegrationGrantRequest
    ) -> IntegrationGrantResponse:
        tenant_id = await self.resolve_tenant(TenantRepository(session), caller, payload.tenant_id)
        return await self._issue(
            session,
            caller,
            tenant_id,
            mode=payload.mode,
            origin=payload.origin,
            scopes=payload.scopes,
            ttl_seconds=payload.ttl_seconds,
            subject=payload.subject or str(caller.user_id),
        )

    # --- verification --------------------------------------------------------------------

    async def inspect(
        self,
        facts_source: FactsSource,
        token: str,
        tenant_id: uuid.UUID,
        *,
        origin: str | None = None,
    ) -> Inspection:
        # One parse of the compact JWS (PyJWT's segment checks are not cheap), then the RS256
        # check by PyJWT's own algorithm object on the exact signing input.
        try:
            parts = _JWS.decode_complete(token, options={"verify_signature": False})
            unverified = json.loads(parts["payload"])
        except (jwt.PyJWTError, ValueError, RecursionError):
            return Inspection("malformed")
        header = parts["header"]
        if header.get("alg") != ALGORITHM:
            return Inspection("bad_signature")
        kid = header.get("kid")
        if not isinstance(kid, str) or not 0 < len(kid) <= 64:
            return Inspection("unknown_key")
        if not isinstance(unverified, dict):
            return Inspection("malformed")
        jti = unverified.get("jti")
        now = utcnow()
        facts = await facts_source.verification_facts(
            kid, tenant_id, jti if isinstance(jti, str) and len(jti) <= 128 else None, now
        )
        if facts is None or not facts.published:
            return Inspection("unknown_key", kid=kid)
        public_key = self.keyring.public_key(kid, facts.public_key_der)
        signing_input = token.rsplit(".", 1)[0].encode("ascii")
        if not _RS256.verify(signing_input, public_key, parts["signature"]):
            return Inspection("bad_signature", kid=kid)
        claims: dict[str, Any] = unverified
        if not _well_formed(claims, self.issuer):
            return Inspection("malformed", kid=kid)
        if facts.organization_id != tenant_id or claims["tid"] != str(tenant_id):
            return Inspection("wrong_tenant", kid=kid)
        result = Inspection(None, claims=claims, revoked=facts.revoked, kid=kid)
        timestamp = now.timestamp()
        if claims["exp"] <= timestamp:
            result.reason = "expired"
        elif claims["nbf"] > timestamp:
            result.reason = "not_yet_valid"
        elif facts.revoked:
            result.reason = "revoked"
        elif origin is not None and claims["origin"] != origin:
            result.reason = "origin_mismatch"
        return result

    async def verify(
        self, reader: VerificationReader, caller: Caller, payload: IntegrationVerifyRequest
    ) -> IntegrationVerifyResponse:
        """Read-only: runs on the transaction-less reader (see `VerificationReader`)."""
        tenant_id = await self.resolve_tenant(reader, caller, payload.tenant_id)
        result = await self.inspect(reader, payload.token, tenant_id, origin=payload.origin)
        return IntegrationVerifyResponse(
            valid=result.reason is None,
            reason=result.reason,
            claims=result.claims if result.reason is None else None,
            revoked=result.revoked,
        )

    async def _authentic(
        self, session: AsyncSession, caller: Caller, token: str
    ) -> tuple[uuid.UUID, Inspection]:
        """A genuine token of a tenant the caller may manage (its lifetime aside)."""
        tenant_id = await self.resolve_tenant(
            TenantRepository(session), caller, _unverified_tenant(token)
        )
        result = await self.inspect(SigningKeyRepository(session), token, tenant_id)
        if result.claims is None:
            raise InvalidIntegrationToken(result.reason or "malformed")
        return tenant_id, result

    # --- revocation ----------------------------------------------------------------------

    async def _revoke(
        self,
        session: AsyncSession,
        caller: Caller,
        tenant_id: uuid.UUID,
        jti: str,
        *,
        reason: str | None,
        expires_at: datetime | None,
    ) -> tuple[IntegrationTokenRevocation, bool]:
        now = utcnow()
        repository = RevocationRepository(session)
        inserted = await repository.record(
            tenant_id=tenant_id,
            jti=jti,
            reason=reason,
            revoked_at=now,
            revoked_by=caller.user.id if caller.user is not None else None,
            expires_at=expires_at,
            # An unknown jti is kept as long as any token could live; ours are all random.
            deny_until=expires_at or now + timedelta(seconds=MAX_TTL_SECONDS),
        )
        row = await repository.get(tenant_id, jti)
        if row is None:  # pragma: no cover - the row was just written or already present
            raise RuntimeError("revocation not recorded")
        return row, inserted

    async def revoke(
        self, session: AsyncSession, caller: Caller, payload: IntegrationRevokeRequest
    ) -> IntegrationRevokeResponse:
        """Idempotent: a second revocation of a jti returns the first one's record."""
        if payload.integration_token is not None:
            tenant_id, result = await self._authentic(session, caller, payload.integration_token)
            assert result.claims is not None
            jti = str(result.claims["jti"])
            expires_at: datetime | None = _from_timestamp(result.claims["exp"])
        else:
            assert payload.jti is not None
            tenant_id = await self.resolve_tenant(
                TenantRepository(session), caller, payload.tenant_id
            )
            jti = payload.jti
            grant = await GrantRepository(session).get(tenant_id, jti)
            expires_at = grant.expires_at if grant is not None else None
        row, _ = await self._revoke(
            session, caller, tenant_id, jti, reason=payload.reason, expires_at=expires_at
        )
        return IntegrationRevokeResponse(
            jti=row.jti, tenant_id=row.organization_id, revoked=True, revoked_at=row.revoked_at
        )

    async def rotate(
        self, session: AsyncSession, caller: Caller, payload: IntegrationRotateRequest
    ) -> IntegrationRotateResponse:
        """Revoke (by default) the previous token and issue its successor, in one transaction."""
        tenant_id, result = await self._authentic(session, caller, payload.previous_token)
        if result.reason == "revoked":
            raise IntegrationTokenAlreadyRevoked()
        if result.reason is not None:
            raise InvalidIntegrationToken(result.reason)
        previous = result.claims
        assert previous is not None
        previous_revoked = False
        if payload.revoke_previous:
            _, inserted = await self._revoke(
                session,
                caller,
                tenant_id,
                previous["jti"],
                reason=ROTATED_REASON,
                expires_at=_from_timestamp(previous["exp"]),
            )
            if not inserted:  # a concurrent rotation or revocation won
                raise IntegrationTokenAlreadyRevoked()
            previous_revoked = True
        ttl = payload.ttl_seconds or min(
            MAX_TTL_SECONDS, max(MIN_TTL_SECONDS, previous["exp"] - previous["iat"])
        )
        issued = await self._issue(
            session,
            caller,
            tenant_id,
            mode=payload.mode or previous["mode"],
            origin=payload.origin or previous["origin"],
            scopes=payload.scopes or list(previous["scopes"]),
            ttl_seconds=ttl,
            subject=previous["sub"],
        )
        return IntegrationRotateResponse(
            **issued.model_dump(),
            previous_jti=previous["jti"],
            previous_revoked=previous_revoked,
        )

    # --- public key material -------------------------------------------------------------

    async def _published(
        self, session: AsyncSession, tenant_id: uuid.UUID
    ) -> list[IntegrationSigningKey]:
        if not await TenantRepository(session).exists(tenant_id):
            raise TenantNotFound()
        return await SigningKeyRepository(session).published(tenant_id, utcnow())

    async def jwks(self, session: AsyncSession, tenant_id: uuid.UUID) -> IntegrationJWKSResponse:
        keys = await self._published(session, tenant_id)
        return IntegrationJWKSResponse(
            keys=[
                IntegrationJWK(
                    kid=key.kid,
                    use="sig",
                    alg="RS256",
                    **self.keyring.jwk(key.kid, key.public_key_der),  # kty, n, e
                )
                for key in keys
            ]
        )

    async def fingerprints(
        self, session: AsyncSession, tenant_id: uuid.UUID
    ) -> IntegrationFingerprintResponse:
        keys = await self._published(session, tenant_id)
        return IntegrationFingerprintResponse(
            tenant_id=tenant_id,
            keys=[
                IntegrationKeyFingerprint(
                    kid=key.kid,
                    algorithm="RS256",
                    sha256=fingerprint_sha256(key.public_key_der),
                    status=key.status,
                    created_at=key.created_at,
                )
                for key in keys
            ],
        )

    # --- administration ------------------------------------------------------------------

    async def revocations(
        self, session: AsyncSession, tenant_id: uuid.UUID | None, *, limit: int, offset: int
    ) -> Page[IntegrationTokenRevocationItem]:
        rows, total = await RevocationRepository(session).page(
            tenant_id, limit=limit, offset=offset
        )
        return Page[IntegrationTokenRevocationItem](
            items=[
                IntegrationTokenRevocationItem(
                    jti=row.jti,
                    tenant_id=row.organization_id,
                    reason=row.reason,
                    revoked_at=row.revoked_at,
                    revoked_by=row.revoked_by,
                    expires_at=row.expires_at,
                )
                for row in rows
            ],
            total=total,
            limit=limit,
            offset=offset,
        )

    async def prune(self, session: AsyncSession) -> tuple[int, int]:
        """Delete grants and deny-list rows whose token has expired; (grants, revocations)."""
        now = utcnow()
        grants = await GrantRepository(session).prune(now)
        denied = await RevocationRepository(session).prune_deny_list(now)
        return grants, denied
