"""Errors of the organizations domain."""

from __future__ import annotations

from xentree.kit.errors import Conflict, Forbidden, NotFound


class OrganizationNotFound(NotFound):
    default_message = "Organization not found"


class MemberNotFound(NotFound):
    default_message = "Member not found in this organization"


class TeamNotFound(NotFound):
    default_message = "Team not found in this organization"


class UserNotFound(NotFound):
    default_message = "No such user"


class RoleForbidden(Forbidden):
    """The caller's role in the organization does not allow this action."""

    default_message = "Your role in this organization does not allow this action"


class SlugTaken(Conflict):
    error = "slug_taken"
    default_message = "This organization slug is already taken"


class AlreadyMember(Conflict):
    error = "already_member"
    default_message = "This user is already a member of the organization"


class LastOwner(Conflict):
    error = "last_owner"
    default_message = "The last owner of an organization cannot be removed or demoted"


class TeamNameTaken(Conflict):
    error = "team_name_taken"
    default_message = "A team with this name already exists in the organization"
