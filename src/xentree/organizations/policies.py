"""Who may do what inside an organization (contract §5).

Roles rank owner > admin > manager > member.

| Action                                  | member | manager                      | admin                     | owner |
|-----------------------------------------|--------|------------------------------|---------------------------|-------|
| read the org, its members and teams     | yes    | yes                          | yes                       | yes   |
| update the org                          | –      | –                            | yes                       | yes   |
| delete the org                          | –      | –                            | –                         | yes   |
| create / rename / delete teams          | –      | –                            | yes                       | yes   |
| add a member                            | –      | role `member`, own team only | any role except `owner`   | any   |
| change a member's role (PATCH)          | –      | –                            | non-owners, up to `admin` | any   |
| comprehensive update (PUT)              | –      | `member`s of own team, role `member`, team own/none | non-owners, up to `admin` | any |
| move a member to another org (PUT)      | –      | –                            | admin+ in both orgs       | admin+ in both |
| remove a member                         | self   | self; `member`s of own team  | self; non-owners          | any   |

The last owner can never be removed, demoted or moved away (409 `last_owner`).
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from xentree.models import OrganizationMember


class Role(StrEnum):
    owner = "owner"
    admin = "admin"
    manager = "manager"
    member = "member"


RANK: dict[str, int] = {Role.member: 1, Role.manager: 2, Role.admin: 3, Role.owner: 4}


def at_least(role: str, minimum: Role) -> bool:
    return RANK[role] >= RANK[minimum]


def can_update_organization(actor: OrganizationMember) -> bool:
    return at_least(actor.role, Role.admin)


def can_delete_organization(actor: OrganizationMember) -> bool:
    return actor.role == Role.owner


def can_manage_teams(actor: OrganizationMember) -> bool:
    return at_least(actor.role, Role.admin)


def can_manage_members(actor: OrganizationMember) -> bool:
    """Whether the actor may manage any member at all (managers: those of their own team)."""
    if actor.role == Role.manager:
        return actor.team_id is not None
    return at_least(actor.role, Role.admin)


def can_change_roles(actor: OrganizationMember) -> bool:
    return at_least(actor.role, Role.admin)


def can_manage(actor: OrganizationMember, target: OrganizationMember) -> bool:
    """Whether the actor may change or remove this particular member."""
    if actor.role == Role.owner:
        return True
    if actor.role == Role.admin:
        return target.role != Role.owner
    if actor.role == Role.manager:
        return (
            target.role == Role.member
            and actor.team_id is not None
            and target.team_id == actor.team_id
        )
    return False


def can_grant(actor_role: str, role: str) -> bool:
    """Whether the actor may give this role: up to their own level, `owner` only by owners."""
    if actor_role == Role.owner:
        return True
    if actor_role == Role.admin:
        return role != Role.owner
    if actor_role == Role.manager:
        return role == Role.member
    return False


def can_assign_team(actor: OrganizationMember, team_id: uuid.UUID | None) -> bool:
    """Admins place members in any team; a manager only in their own team (or out of it)."""
    if at_least(actor.role, Role.admin):
        return True
    if actor.role == Role.manager and actor.team_id is not None:
        return team_id is None or team_id == actor.team_id
    return False
