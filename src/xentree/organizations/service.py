"""Organization, member and team rules (contract §5). Never commits.

Visibility first: an organization the caller does not belong to — or, for an API key, any
organization but the key's own — is 404 for every action. Then the role rules of
`policies.py` (403), then conflicts (409). Membership changes lock the organization row so the
"last owner" rule holds under concurrent requests.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from xentree.auth.caller import Caller
from xentree.kit.time import utcnow
from xentree.models import Organization, OrganizationMember, Team
from xentree.organizations import policies
from xentree.organizations.exceptions import (
    AlreadyMember,
    LastOwner,
    MemberNotFound,
    OrganizationNotFound,
    RoleForbidden,
    SlugTaken,
    TeamNameTaken,
    TeamNotFound,
    UserNotFound,
)
from xentree.organizations.policies import Role
from xentree.organizations.repository import (
    MemberRepository,
    MemberView,
    OrganizationRepository,
    OrganizationView,
    TeamRepository,
    TeamView,
    UserLookup,
)
from xentree.organizations.schemas import (
    MemberAddRequest,
    MemberUpdateRequest,
    OrganizationCreateRequest,
    OrganizationUpdateRequest,
)


class OrganizationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.organizations = OrganizationRepository(session)
        self.members = MemberRepository(session)
        self.teams = TeamRepository(session)

    # --- visibility -------------------------------------------------------------------------

    async def membership(self, caller: Caller, organization_id: uuid.UUID) -> OrganizationMember:
        """The caller's membership of a visible organization, else 404."""
        if caller.organization_id is not None and caller.organization_id != organization_id:
            raise OrganizationNotFound()  # an API key acts only inside its own organization
        member = await self.members.get(organization_id, caller.user_id)
        if member is None:
            raise OrganizationNotFound()
        return member

    async def _view(self, caller: Caller, organization_id: uuid.UUID) -> OrganizationView:
        views = await self.organizations.views_for_user(caller.user_id, only=organization_id)
        if not views or (
            caller.organization_id is not None and caller.organization_id != organization_id
        ):
            raise OrganizationNotFound()
        return views[0]

    # --- organizations ----------------------------------------------------------------------

    async def list_organizations(self, caller: Caller) -> list[OrganizationView]:
        return await self.organizations.views_for_user(caller.user_id, only=caller.organization_id)

    async def create(self, caller: Caller, payload: OrganizationCreateRequest) -> OrganizationView:
        if await self.organizations.slug_taken(payload.slug):
            raise SlugTaken()
        now = utcnow()
        organization = Organization(
            name=payload.name, slug=payload.slug, description=payload.description, created_at=now
        )
        self.session.add(organization)
        if not await self.organizations.flush_unique():
            raise SlugTaken()
        await self.members.add(
            organization.id, caller.user_id, role=Role.owner, team_id=None, joined_at=now
        )
        return OrganizationView(organization, Role.owner, 1)

    async def get(self, caller: Caller, organization_id: uuid.UUID) -> OrganizationView:
        return await self._view(caller, organization_id)

    async def update(
        self, caller: Caller, organization_id: uuid.UUID, payload: OrganizationUpdateRequest
    ) -> OrganizationView:
        actor = await self.membership(caller, organization_id)
        if not policies.can_update_organization(actor):
            raise RoleForbidden("Only owners and admins may update the organization")
        organization = await self.organizations.get(organization_id)
        if organization is None:
            raise OrganizationNotFound()
        fields = payload.model_fields_set
        if "slug" in fields and payload.slug is not None and payload.slug != organization.slug:
            if await self.organizations.slug_taken(payload.slug, exclude=organization_id):
                raise SlugTaken()
            organization.slug = payload.slug
        if "name" in fields and payload.name is not None:
            organization.name = payload.name
        if "description" in fields:
            organization.description = payload.description
        if not await self.organizations.flush_unique():
            raise SlugTaken()
        return await self._view(caller, organization_id)

    async def delete(self, caller: Caller, organization_id: uuid.UUID) -> None:
        actor = await self.membership(caller, organization_id)
        if not policies.can_delete_organization(actor):
            raise RoleForbidden("Only owners may delete the organization")
        await self.organizations.delete(organization_id)

    # --- members ----------------------------------------------------------------------------

    async def list_members(self, caller: Caller, organization_id: uuid.UUID) -> list[MemberView]:
        await self.membership(caller, organization_id)
        return await self.members.list(organization_id)

    async def add_member(
        self, caller: Caller, organization_id: uuid.UUID, payload: MemberAddRequest
    ) -> MemberView:
        actor = await self.membership(caller, organization_id)
        if not policies.can_manage_members(actor):
            raise RoleForbidden("Your role does not allow adding members")
        if not policies.can_grant(actor.role, payload.role):
            raise RoleForbidden(f"Your role may not grant the role {payload.role!r}")
        team_id = payload.team_id
        if actor.role == Role.manager and team_id is None:
            team_id = actor.team_id  # a manager adds people to their own team
        if team_id is not None:
            await self._team(organization_id, team_id)
        if actor.role == Role.manager and team_id != actor.team_id:
            raise RoleForbidden("A manager may add members to their own team only")
        if not policies.can_assign_team(actor, team_id):
            raise RoleForbidden("Your role does not allow assigning this team")
        user = await UserLookup(self.session).find(
            user_id=payload.user_id, username=payload.username, email=payload.email
        )
        if user is None:
            raise UserNotFound()
        await self.organizations.lock([organization_id])
        if await self.members.get(organization_id, user.id) is not None:
            raise AlreadyMember()
        await self.members.add(
            organization_id, user.id, role=payload.role, team_id=team_id, joined_at=utcnow()
        )
        return await self._member_view(organization_id, user.id)

    async def change_role(
        self, caller: Caller, organization_id: uuid.UUID, user_id: uuid.UUID, role: Role
    ) -> MemberView:
        actor = await self.membership(caller, organization_id)
        if not policies.can_change_roles(actor):
            raise RoleForbidden("Only owners and admins may change roles")
        await self.organizations.lock([organization_id])
        target = await self._member(organization_id, user_id)
        self._check_manage(actor, target, role)
        if target.role == Role.owner and role != Role.owner:
            await self._ensure_other_owner(organization_id)
        target.role = role
        await self.session.flush()
        return await self._member_view(organization_id, user_id)

    async def replace_member(
        self,
        caller: Caller,
        organization_id: uuid.UUID,
        user_id: uuid.UUID,
        payload: MemberUpdateRequest,
    ) -> MemberView:
        """Role, team and organization of one membership, changed together (one transaction)."""
        actor = await self.membership(caller, organization_id)
        if not policies.can_manage_members(actor):
            raise RoleForbidden("Your role does not allow changing members")
        destination_id = payload.organization_id or organization_id
        moving = destination_id != organization_id
        destination_actor = actor
        if moving:
            if not policies.can_change_roles(actor):
                raise RoleForbidden("Only owners and admins may move members")
            destination_actor = await self.membership(caller, destination_id)
            if not policies.at_least(destination_actor.role, Role.admin):
                raise RoleForbidden("You must be an owner or admin of the target organization")
        await self.organizations.lock([organization_id, destination_id])
        target = await self._member(organization_id, user_id)
        self._check_manage(actor, target, payload.role if not moving else target.role)
        if not policies.can_grant(destination_actor.role, payload.role):
            raise RoleForbidden(f"Your role may not grant the role {payload.role!r}")
        team_id: uuid.UUID | None = None
        if payload.team_id is not None:
            team_id = (await self._team(destination_id, payload.team_id)).id
        elif payload.team_name is not None:
            team = await self.teams.get_by_name(destination_id, payload.team_name)
            if team is None:
                raise TeamNotFound()
            team_id = team.id
        if not policies.can_assign_team(destination_actor, team_id):
            raise RoleForbidden("A manager may place members in their own team only")
        if target.role == Role.owner and (moving or payload.role != Role.owner):
            await self._ensure_other_owner(organization_id)
        if moving:
            if await self.members.get(destination_id, user_id) is not None:
                raise AlreadyMember("The user is already a member of the target organization")
            await self.members.remove(target)
            await self.members.add(
                destination_id, user_id, role=payload.role, team_id=team_id, joined_at=utcnow()
            )
        else:
            target.role = payload.role
            target.team_id = team_id
            await self.session.flush()
        return await self._member_view(destination_id, user_id)

    async def remove_member(
        self, caller: Caller, organization_id: uuid.UUID, user_id: uuid.UUID
    ) -> None:
        actor = await self.membership(caller, organization_id)
        leaving = user_id == caller.user_id
        if not leaving and not policies.can_manage_members(actor):
            raise RoleForbidden("Your role does not allow removing members")
        await self.organizations.lock([organization_id])
        target = await self._member(organization_id, user_id)
        if not leaving and not policies.can_manage(actor, target):
            raise RoleForbidden("Your role does not allow removing this member")
        if target.role == Role.owner:
            await self._ensure_other_owner(organization_id)
        await self.members.remove(target)

    # --- teams ------------------------------------------------------------------------------

    async def list_teams(self, caller: Caller, organization_id: uuid.UUID) -> list[TeamView]:
        await self.membership(caller, organization_id)
        return await self.teams.views(organization_id)

    async def create_team(self, caller: Caller, organization_id: uuid.UUID, name: str) -> TeamView:
        actor = await self.membership(caller, organization_id)
        if not policies.can_manage_teams(actor):
            raise RoleForbidden("Only owners and admins may manage teams")
        if await self.teams.name_taken(organization_id, name):
            raise TeamNameTaken()
        team = Team(organization_id=organization_id, name=name, created_at=utcnow())
        await self.teams.add(team)
        if not await self.organizations.flush_unique():
            raise TeamNameTaken()
        return TeamView(team, 0)

    async def rename_team(
        self, caller: Caller, organization_id: uuid.UUID, team_id: uuid.UUID, name: str
    ) -> TeamView:
        actor = await self.membership(caller, organization_id)
        if not policies.can_manage_teams(actor):
            raise RoleForbidden("Only owners and admins may manage teams")
        team = await self._team(organization_id, team_id)
        if name != team.name:
            if await self.teams.name_taken(organization_id, name, exclude=team_id):
                raise TeamNameTaken()
            team.name = name
            if not await self.organizations.flush_unique():
                raise TeamNameTaken()
        return TeamView(team, await self.teams.member_count(team_id))

    async def delete_team(
        self, caller: Caller, organization_id: uuid.UUID, team_id: uuid.UUID
    ) -> None:
        actor = await self.membership(caller, organization_id)
        if not policies.can_manage_teams(actor):
            raise RoleForbidden("Only owners and admins may manage teams")
        team = await self._team(organization_id, team_id)
        await self.teams.delete(team)

    # --- helpers ----------------------------------------------------------------------------

    async def _member(self, organization_id: uuid.UUID, user_id: uuid.UUID) -> OrganizationMember:
        member = await self.members.get(organization_id, user_id)
        if member is None:
            raise MemberNotFound()
        return member

    async def _member_view(self, organization_id: uuid.UUID, user_id: uuid.UUID) -> MemberView:
        view = await self.members.view(organization_id, user_id)
        if view is None:
            raise MemberNotFound()
        return view

    async def _team(self, organization_id: uuid.UUID, team_id: uuid.UUID) -> Team:
        team = await self.teams.get(organization_id, team_id)
        if team is None:
            raise TeamNotFound()
        return team

    @staticmethod
    def _check_manage(actor: OrganizationMember, target: OrganizationMember, role: str) -> None:
        if not policies.can_manage(actor, target):
            raise RoleForbidden("Your role does not allow changing this member")
        if not policies.can_grant(actor.role, role):
            raise RoleForbidden(f"Your role may not grant the role {role!r}")

    async def _ensure_other_owner(self, organization_id: uuid.UUID) -> None:
        if await self.members.count_owners(organization_id) <= 1:
            raise LastOwner()
