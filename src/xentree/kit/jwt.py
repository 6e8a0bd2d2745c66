"""HS256 access tokens of user sessions. Verification pins the algorithm, `iss`, `aud` and `typ`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt

ACCESS_TYPE = "access"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    jti: uuid.UUID
    issued_at: datetime
    expires_at: datetime


class AccessTokenError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "expired" or "invalid"


class AccessTokenCodec:
    def __init__(self, key: bytes, *, issuer: str, audience: str, ttl_seconds: int) -> None:
        self._key = key
        self._issuer = issuer
        self._audience = audience
        self.ttl = timedelta(seconds=ttl_seconds)
        # A token's signature and claims never change, so their check is cached per token
        # string (bounded); expiry and the session's revocation are still checked every time.
        self._verified = lru_cache(maxsize=8192)(self._verify)

    def encode(
        self, *, user_id: uuid.UUID, session_id: uuid.UUID, jti: uuid.UUID, issued_at: datetime
    ) -> str:
        # Whole seconds, so re-minting the same claims later yields the same token.
        iat = int(issued_at.timestamp())
        payload: dict[str, Any] = {
            "sub": str(user_id),
            "sid": str(session_id),
            "jti": str(jti),
            "iat": iat,
            "exp": iat + int(self.ttl.total_seconds()),
            "iss": self._issuer,
            "aud": self._audience,
            "typ": ACCESS_TYPE,
        }
        return jwt.encode(payload, self._key, algorithm="HS256")

    def decode(self, token: str, *, now: datetime) -> AccessClaims:
        claims = self._verified(token)
        # Expiry is checked against the application clock (which tests can move), not time.time().
        if claims.expires_at <= now:
            raise AccessTokenError("expired")
        return claims

    def _verify(self, token: str) -> AccessClaims:
        try:
            payload = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "require": ["sub", "sid", "jti", "iat", "exp", "iss", "aud", "typ"],
                    # Expiry is checked below against the application clock; `iat` needs no
                    # check, since only this server can mint a token with a valid signature.
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise AccessTokenError("invalid") from exc
        if payload.get("typ") != ACCESS_TYPE:
            raise AccessTokenError("invalid")
        try:
            claims = AccessClaims(
                user_id=uuid.UUID(payload["sub"]),
                session_id=uuid.UUID(payload["sid"]),
                jti=uuid.UUID(payload["jti"]),
                issued_at=datetime.fromtimestamp(int(payload["iat"]), tz=UTC),
                expires_at=datetime.fromtimestamp(int(payload["exp"]), tz=UTC),
            )
        except (ValueError, TypeError) as exc:
            raise AccessTokenError("invalid") from exc
        return claims
