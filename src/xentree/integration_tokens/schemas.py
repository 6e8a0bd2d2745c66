"""Request and response models. The Integration Token family is camelCase (docs §11), except the
fields the contract itself spells in snake_case (`previous_jti`, `previous_revoked`, `created_at`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

from xentree.integration_tokens.origins import normalize_origin
from xentree.kit.schemas import RequestModel, ResponseModel

MIN_TTL_SECONDS = 30
MAX_TTL_SECONDS = 3600
DEFAULT_TTL_SECONDS = 120
MAX_TOKEN_LENGTH = 8192

Mode = Literal["api", "embed"]
Origin = Annotated[str, AfterValidator(normalize_origin)]
GrantScope = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,40}:[A-Za-z0-9_-]{1,40}$", max_length=81)
]
GrantScopes = Annotated[list[GrantScope], Field(min_length=1, max_length=32)]
TtlSeconds = Annotated[int, Field(strict=True, ge=MIN_TTL_SECONDS, le=MAX_TTL_SECONDS)]
Subject = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=r"^[^\x00-\x1f\x7f]+$")
]
Token = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TOKEN_LENGTH)]
Jti = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _unique_scopes(scopes: list[str] | None) -> list[str] | None:
    if scopes is not None and len(set(scopes)) != len(scopes):
        raise ValueError("scopes must not repeat")
    return scopes


class _CamelRequest(RequestModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=False)


class _CamelResponse(ResponseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class IntegrationGrantRequest(_CamelRequest):
    tenant_id: uuid.UUID | None = Field(
        default=None,
        description="Organization id; required for user tokens, implied by an API key",
    )
    mode: Mode
    origin: Origin = Field(description="https:// origin (http:// only for localhost)")
    scopes: Annotated[GrantScopes, AfterValidator(_unique_scopes)]
    ttl_seconds: TtlSeconds = DEFAULT_TTL_SECONDS
    subject: Subject | None = Field(default=None, description="`sub` claim; default the caller")


class IntegrationGrantResponse(_CamelResponse):
    token: str
    jti: str
    tenant_id: uuid.UUID
    kid: str
    expires_at: datetime
    scopes: list[str]
    origin: str
    mode: str


class IntegrationVerifyRequest(_CamelRequest):
    token: Token
    tenant_id: uuid.UUID
    origin: Origin | None = None


VerifyReason = Literal[
    "expired",
    "revoked",
    "bad_signature",
    "wrong_tenant",
    "unknown_key",
    "malformed",
    "origin_mismatch",
    "not_yet_valid",
]


class IntegrationVerifyResponse(_CamelResponse):
    valid: bool
    reason: VerifyReason | None
    claims: dict[str, Any] | None
    revoked: bool


class IntegrationRevokeRequest(_CamelRequest):
    integration_token: Token | None = None
    tenant_id: uuid.UUID | None = None
    jti: Jti | None = None
    reason: Reason | None = None

    @model_validator(mode="after")
    def _one_form(self) -> IntegrationRevokeRequest:
        if (self.integration_token is None) == (self.jti is None):
            raise ValueError("give either integrationToken, or tenantId and jti")
        if self.integration_token is not None and self.tenant_id is not None:
            raise ValueError("tenantId goes with jti; a token names its own tenant")
        return self


class IntegrationRevokeResponse(_CamelResponse):
    jti: str
    tenant_id: uuid.UUID
    revoked: bool
    revoked_at: datetime


class IntegrationRotateRequest(_CamelRequest):
    previous_token: Token
    revoke_previous: Annotated[bool, Field(strict=True)] = True
    mode: Mode | None = None
    origin: Origin | None = None
    scopes: Annotated[GrantScopes | None, AfterValidator(_unique_scopes)] = None
    ttl_seconds: TtlSeconds | None = None


class IntegrationRotateResponse(_CamelResponse):
    token: str
    jti: str
    previous_jti: str = Field(alias="previous_jti")
    previous_revoked: bool = Field(alias="previous_revoked")
    tenant_id: uuid.UUID
    kid: str
    expires_at: datetime
    scopes: list[str]
    origin: str
    mode: str


class IntegrationJWK(_CamelResponse):
    kty: Literal["RSA"]
    kid: str
    use: Literal["sig"]
    alg: Literal["RS256"]
    n: str
    e: str


class IntegrationJWKSResponse(_CamelResponse):
    keys: list[IntegrationJWK]


class IntegrationKeyFingerprint(_CamelResponse):
    kid: str
    algorithm: Literal["RS256"]
    sha256: str = Field(description="Hex SHA-256 of the DER SubjectPublicKeyInfo")
    status: Literal["active", "retired"]
    created_at: datetime = Field(alias="created_at")


class IntegrationFingerprintResponse(_CamelResponse):
    tenant_id: uuid.UUID
    keys: list[IntegrationKeyFingerprint]


class IntegrationTokenRevocationItem(_CamelResponse):
    jti: str
    tenant_id: uuid.UUID
    reason: str | None
    revoked_at: datetime
    revoked_by: uuid.UUID | None
    expires_at: datetime | None
