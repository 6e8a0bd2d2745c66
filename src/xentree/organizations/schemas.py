"""Request and response models of the organizations domain (documented names)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from xentree.kit.schemas import RequestModel, ResponseModel
from xentree.organizations.policies import Role

SLUG_PATTERN = r"^[a-z0-9](-?[a-z0-9])*$"

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Slug = Annotated[str, StringConstraints(min_length=3, max_length=48, pattern=SLUG_PATTERN)]
Description = Annotated[str, StringConstraints(max_length=2000)]
TeamName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]


class OrganizationCreateRequest(RequestModel):
    name: Name
    slug: Slug = Field(description="3–48 characters of `a-z`, `0-9` and single inner hyphens")
    description: Description | None = None


class OrganizationUpdateRequest(RequestModel):
    """Any subset of the create fields; at least one."""

    name: Name | None = None
    slug: Slug | None = None
    description: Description | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> OrganizationUpdateRequest:
        if not self.model_fields_set:
            raise ValueError("give at least one of name, slug, description")
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("name cannot be null")
        if "slug" in self.model_fields_set and self.slug is None:
            raise ValueError("slug cannot be null")
        return self


class OrganizationResponse(ResponseModel):
    id: uuid.UUID
    name: str
    slug: str
    description: str | None
    created_at: datetime
    member_count: int
    my_role: Role


class MemberAddRequest(RequestModel):
    """Exactly one of `user_id`, `username`, `email` names the user to add."""

    user_id: uuid.UUID | None = None
    username: Username | None = None
    email: Email | None = None
    role: Role = Role.member
    team_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_identity(self) -> MemberAddRequest:
        given = [v for v in (self.user_id, self.username, self.email) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of user_id, username, email")
        return self


class MemberRoleUpdateRequest(RequestModel):
    role: Role


class MemberUpdateRequest(RequestModel):
    """Full replacement of a membership: role, team (none when omitted) and, optionally, the
    organization it belongs to. `team_id` and `team_name` name a team of the target
    organization; give at most one."""

    role: Role
    organization_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    team_name: TeamName | None = None

    @model_validator(mode="after")
    def _one_team(self) -> MemberUpdateRequest:
        if self.team_id is not None and self.team_name is not None:
            raise ValueError("give team_id or team_name, not both")
        return self


class MemberResponse(ResponseModel):
    user_id: uuid.UUID
    username: str
    full_name: str | None
    email: str
    role: Role
    team_id: uuid.UUID | None
    team_name: str | None
    joined_at: datetime


class TeamCreateRequest(RequestModel):
    name: TeamName


class TeamUpdateRequest(RequestModel):
    name: TeamName


class TeamResponse(ResponseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    created_at: datetime
    member_count: int
