"""API-key routes (bearer only): thin, one service call each."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from xentree.api_keys.auth import ApiKeyManager
from xentree.api_keys.schemas import APIKeyCreateRequest, APIKeyResponse
from xentree.api_keys.service import ApiKeyService
from xentree.auth.dependencies import AuthServiceDep
from xentree.kit.dependencies import DbSession

router = APIRouter(tags=["API Keys"])


def get_service(session: DbSession, auth: AuthServiceDep) -> ApiKeyService:
    return ApiKeyService(session, auth.api_key_hasher)


Service = Annotated[ApiKeyService, Depends(get_service)]


@router.get("", summary="List API keys", response_model=list[APIKeyResponse])
async def list_api_keys(
    caller: ApiKeyManager,
    service: Service,
    organization_id: Annotated[
        uuid.UUID | None, Query(description="Only the keys of this organization")
    ] = None,
) -> list[APIKeyResponse]:
    """Keys visible to the caller: all keys of orgs they own or administer, else their own."""
    keys = await service.list_keys(caller, organization_id=organization_id)
    return [APIKeyResponse.model_validate(key) for key in keys]


@router.post(
    "",
    summary="Create an API key",
    status_code=status.HTTP_201_CREATED,
    response_model=APIKeyResponse,
)
async def create_api_key(
    payload: APIKeyCreateRequest, caller: ApiKeyManager, service: Service
) -> APIKeyResponse:
    """Mint a key for an organization (owners and admins); the full key is returned only now."""
    created = await service.create(caller, payload)
    response = APIKeyResponse.model_validate(created.record)
    response.key = created.key
    return response


@router.delete(
    "/{key_id}",
    summary="Delete an API key",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def delete_api_key(key_id: uuid.UUID, caller: ApiKeyManager, service: Service) -> None:
    """Revoke a key at once, for every server process."""
    await service.delete(caller, key_id)
