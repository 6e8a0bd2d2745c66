"""Organization, member and team routes: thin, one service call each."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from xentree.kit.dependencies import DbSession
from xentree.organizations.auth import OrganizationsRead, OrganizationsWrite
from xentree.organizations.policies import Role
from xentree.organizations.repository import MemberView, OrganizationView, TeamView
from xentree.organizations.schemas import (
    MemberAddRequest,
    MemberResponse,
    MemberRoleUpdateRequest,
    MemberUpdateRequest,
    OrganizationCreateRequest,
    OrganizationResponse,
    OrganizationUpdateRequest,
    TeamCreateRequest,
    TeamResponse,
    TeamUpdateRequest,
)
from xentree.organizations.service import OrganizationService

router = APIRouter(tags=["Organizations"])


def get_service(session: DbSession) -> OrganizationService:
    return OrganizationService(session)


Service = Annotated[OrganizationService, Depends(get_service)]


def _organization(view: OrganizationView) -> OrganizationResponse:
    org = view.organization
    return OrganizationResponse(
        id=org.id,
        name=org.name,
        slug=org.slug,
        description=org.description,
        created_at=org.created_at,
        member_count=view.member_count,
        my_role=Role(view.my_role),
    )


def _member(view: MemberView) -> MemberResponse:
    return MemberResponse(
        user_id=view.user.id,
        username=view.user.username,
        full_name=view.user.full_name,
        email=view.user.email,
        role=Role(view.member.role),
        team_id=view.member.team_id,
        team_name=view.team_name,
        joined_at=view.member.joined_at,
    )


def _team(view: TeamView) -> TeamResponse:
    return TeamResponse(
        id=view.team.id,
        organization_id=view.team.organization_id,
        name=view.team.name,
        created_at=view.team.created_at,
        member_count=view.member_count,
    )


# --- organizations ----------------------------------------------------------------------------


@router.get(
    "",
    summary="List organizations for the current user",
    response_model=list[OrganizationResponse],
)
async def list_organizations(
    caller: OrganizationsRead, service: Service
) -> list[OrganizationResponse]:
    """The organizations the caller belongs to (for an API key: the key's organization)."""
    return [_organization(v) for v in await service.list_organizations(caller)]


@router.post(
    "",
    summary="Create an organization",
    status_code=status.HTTP_201_CREATED,
    response_model=OrganizationResponse,
)
async def create_organization(
    payload: OrganizationCreateRequest, caller: OrganizationsWrite, service: Service
) -> OrganizationResponse:
    """Create an organization; the caller becomes its owner."""
    return _organization(await service.create(caller, payload))


@router.get("/{org_id}", summary="Get organization details", response_model=OrganizationResponse)
async def get_organization(
    org_id: uuid.UUID, caller: OrganizationsRead, service: Service
) -> OrganizationResponse:
    """An organization the caller belongs to, with the caller's role and the member count."""
    return _organization(await service.get(caller, org_id))


@router.patch(
    "/{org_id}", summary="Update organization details", response_model=OrganizationResponse
)
async def update_organization(
    org_id: uuid.UUID,
    payload: OrganizationUpdateRequest,
    caller: OrganizationsWrite,
    service: Service,
) -> OrganizationResponse:
    """Change name, slug or description (owners and admins)."""
    return _organization(await service.update(caller, org_id, payload))


@router.delete(
    "/{org_id}",
    summary="Delete an organization",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def delete_organization(
    org_id: uuid.UUID, caller: OrganizationsWrite, service: Service
) -> None:
    """Delete the organization with its memberships, teams and API keys (owners only)."""
    await service.delete(caller, org_id)


# --- members ----------------------------------------------------------------------------------


@router.get(
    "/{org_id}/members",
    summary="List organization members",
    response_model=list[MemberResponse],
)
async def list_members(
    org_id: uuid.UUID, caller: OrganizationsRead, service: Service
) -> list[MemberResponse]:
    """Every member of the organization with role and team."""
    return [_member(v) for v in await service.list_members(caller, org_id)]


@router.post(
    "/{org_id}/members",
    summary="Add a member to an organization",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberResponse,
)
async def add_member(
    org_id: uuid.UUID, payload: MemberAddRequest, caller: OrganizationsWrite, service: Service
) -> MemberResponse:
    """Add an existing user, named by id, username or email, with a role and optional team."""
    return _member(await service.add_member(caller, org_id, payload))


@router.patch(
    "/{org_id}/members/{target_user_id}",
    summary="Update a member's role",
    response_model=MemberResponse,
)
async def update_member_role(
    org_id: uuid.UUID,
    target_user_id: uuid.UUID,
    payload: MemberRoleUpdateRequest,
    caller: OrganizationsWrite,
    service: Service,
) -> MemberResponse:
    """Change a member's role, up to the caller's own level (owners grant and revoke `owner`)."""
    return _member(await service.change_role(caller, org_id, target_user_id, payload.role))


@router.put(
    "/{org_id}/members/{target_user_id}",
    summary="Comprehensive member update (role, organization, team)",
    response_model=MemberResponse,
)
async def replace_member(
    org_id: uuid.UUID,
    target_user_id: uuid.UUID,
    payload: MemberUpdateRequest,
    caller: OrganizationsWrite,
    service: Service,
) -> MemberResponse:
    """Set role and team, and optionally move the membership to another organization, atomically."""
    return _member(await service.replace_member(caller, org_id, target_user_id, payload))


@router.delete(
    "/{org_id}/members/{target_user_id}",
    summary="Remove a member from an organization",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def remove_member(
    org_id: uuid.UUID, target_user_id: uuid.UUID, caller: OrganizationsWrite, service: Service
) -> None:
    """Remove a member (any member may remove themself; the last owner never)."""
    await service.remove_member(caller, org_id, target_user_id)


# --- teams ------------------------------------------------------------------------------------


@router.get(
    "/{org_id}/teams", summary="List teams of an organization", response_model=list[TeamResponse]
)
async def list_teams(
    org_id: uuid.UUID, caller: OrganizationsRead, service: Service
) -> list[TeamResponse]:
    """The organization's teams with their member counts."""
    return [_team(v) for v in await service.list_teams(caller, org_id)]


@router.post(
    "/{org_id}/teams",
    summary="Create a team",
    status_code=status.HTTP_201_CREATED,
    response_model=TeamResponse,
)
async def create_team(
    org_id: uuid.UUID, payload: TeamCreateRequest, caller: OrganizationsWrite, service: Service
) -> TeamResponse:
    """Create a team (owners and admins); names are unique within the organization."""
    return _team(await service.create_team(caller, org_id, payload.name))


@router.patch("/{org_id}/teams/{team_id}", summary="Rename a team", response_model=TeamResponse)
async def rename_team(
    org_id: uuid.UUID,
    team_id: uuid.UUID,
    payload: TeamUpdateRequest,
    caller: OrganizationsWrite,
    service: Service,
) -> TeamResponse:
    """Rename a team (owners and admins)."""
    return _team(await service.rename_team(caller, org_id, team_id, payload.name))


@router.delete(
    "/{org_id}/teams/{team_id}",
    summary="Delete a team",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
)
async def delete_team(
    org_id: uuid.UUID, team_id: uuid.UUID, caller: OrganizationsWrite, service: Service
) -> None:
    """Delete a team; its members stay in the organization without a team."""
    await service.delete_team(caller, org_id, team_id)
