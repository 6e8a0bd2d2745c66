from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from xentree.integration_tokens.auth import IntegrationsRead, IntegrationsWrite, PlatformAdmin
from xentree.integration_tokens.dependencies import IntegrationServiceDep, VerificationReaderDep
from xentree.integration_tokens.schemas import (
    IntegrationFingerprintResponse,
    IntegrationGrantRequest,
    IntegrationGrantResponse,
    IntegrationJWKSResponse,
    IntegrationRevokeRequest,
    IntegrationRevokeResponse,
    IntegrationRotateRequest,
    IntegrationRotateResponse,
    IntegrationTokenRevocationItem,
    IntegrationVerifyRequest,
    IntegrationVerifyResponse,
)
from xentree.kit.dependencies import DbSession
from xentree.kit.pagination import Page, Pagination

router = APIRouter(tags=["Integration Tokens"])
admin_router = APIRouter(tags=["Integration Tokens"])

PUBLIC_KEY_CACHE_CONTROL = "public, max-age=300"
TenantQuery = Annotated[uuid.UUID, Query(alias="tenantId", description="Organization id")]


@router.post(
    "/grant",
    summary="Issue tenant-scoped RS256 integration grant token",
    status_code=status.HTTP_201_CREATED,
    response_model=IntegrationGrantResponse,
)
async def grant(
    payload: IntegrationGrantRequest,
    caller: IntegrationsWrite,
    session: DbSession,
    service: IntegrationServiceDep,
) -> IntegrationGrantResponse:
    """Sign a short-lived token for the caller's tenant, bound to an origin and grant scopes."""
    return await service.grant(session, caller, payload)


@router.post(
    "/verify",
    summary="Verify tenant integration token signature and claims",
    response_model=IntegrationVerifyResponse,
)
async def verify(
    payload: IntegrationVerifyRequest,
    caller: IntegrationsRead,
    reader: VerificationReaderDep,
    service: IntegrationServiceDep,
) -> IntegrationVerifyResponse:
    """Check a token's RS256 signature, tenant, lifetime, revocation and origin; 200 either way."""
    return await service.verify(reader, caller, payload)


@router.post(
    "/revoke",
    summary="Revoke integration token by token or jti",
    response_model=IntegrationRevokeResponse,
)
async def revoke(
    payload: IntegrationRevokeRequest,
    caller: IntegrationsWrite,
    session: DbSession,
    service: IntegrationServiceDep,
) -> IntegrationRevokeResponse:
    """Revoke a token (given whole, or as tenantId + jti) at once in every process; idempotent."""
    return await service.revoke(session, caller, payload)


@router.post(
    "/rotate",
    summary="Rotate integration grant and optionally revoke previous token",
    status_code=status.HTTP_201_CREATED,
    response_model=IntegrationRotateResponse,
)
async def rotate(
    payload: IntegrationRotateRequest,
    caller: IntegrationsWrite,
    session: DbSession,
    service: IntegrationServiceDep,
) -> IntegrationRotateResponse:
    """Issue a successor of a valid token (unspecified fields copied) and revoke it, atomically."""
    return await service.rotate(session, caller, payload)


@router.get(
    "/jwks",
    summary="Get tenant active JWKS material for verification",
    response_model=IntegrationJWKSResponse,
)
async def jwks(
    tenant_id: TenantQuery,
    response: Response,
    session: DbSession,
    service: IntegrationServiceDep,
) -> IntegrationJWKSResponse:
    """Public JWK Set of the tenant: the active key and retired keys with live tokens."""
    result = await service.jwks(session, tenant_id)
    response.headers["Cache-Control"] = PUBLIC_KEY_CACHE_CONTROL
    return result


@router.get(
    "/fingerprint",
    summary="Get tenant active integration key fingerprints",
    response_model=IntegrationFingerprintResponse,
)
async def fingerprint(
    tenant_id: TenantQuery,
    response: Response,
    session: DbSession,
    service: IntegrationServiceDep,
) -> IntegrationFingerprintResponse:
    """Public SHA-256 fingerprints (hex, DER SubjectPublicKeyInfo) of the published keys."""
    result = await service.fingerprints(session, tenant_id)
    response.headers["Cache-Control"] = PUBLIC_KEY_CACHE_CONTROL
    return result


@admin_router.get(
    "/integration-token-revocations",
    summary="Admin observability for integration token revocations",
    response_model=Page[IntegrationTokenRevocationItem],
)
async def list_revocations(
    _caller: PlatformAdmin,
    page: Pagination,
    session: DbSession,
    service: IntegrationServiceDep,
    tenant_id: Annotated[
        uuid.UUID | None, Query(alias="tenantId", description="Only this tenant")
    ] = None,
) -> Page[IntegrationTokenRevocationItem]:
    """Revocations of every tenant (or one), newest first; platform administrators only."""
    return await service.revocations(session, tenant_id, limit=page.limit, offset=page.offset)
