"""All SQL of the organizations domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ScalarSelect, Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from xentree.kit.db import for_update
from xentree.models import Organization, OrganizationMember, Team, User


@dataclass(frozen=True, slots=True)
class OrganizationView:
    organization: Organization
    my_role: str
    member_count: int


@dataclass(frozen=True, slots=True)
class MemberView:
    member: OrganizationMember
    user: User
    team_name: str | None


@dataclass(frozen=True, slots=True)
class TeamView:
    team: Team
    member_count: int


def _member_count() -> ScalarSelect[int]:
    """Members of the organization of the enclosing row (correlated, uses the primary key)."""
    return (
        select(func.count())
        .select_from(OrganizationMember)
        .where(OrganizationMember.organization_id == Organization.id)
        .correlate(Organization)
        .scalar_subquery()
    )


class OrganizationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, organization_ids: Sequence[uuid.UUID]) -> None:
        """Serialize membership changes of these organizations (ids locked in sorted order, so
        two requests touching the same pair of organizations cannot deadlock)."""
        for organization_id in sorted(set(organization_ids)):
            await self.session.execute(
                for_update(
                    select(Organization.id).where(Organization.id == organization_id), self.session
                )
            )

    async def get(self, organization_id: uuid.UUID) -> Organization | None:
        return await self.session.get(Organization, organization_id)

    async def views_for_user(
        self, user_id: uuid.UUID, *, only: uuid.UUID | None = None
    ) -> list[OrganizationView]:
        """The user's organizations with their role and member count, in one query."""
        statement = (
            select(Organization, OrganizationMember.role, _member_count())
            .join(
                OrganizationMember,
                (OrganizationMember.organization_id == Organization.id)
                & (OrganizationMember.user_id == user_id),
            )
            .order_by(Organization.name, Organization.slug)
        )
        if only is not None:
            statement = statement.where(Organization.id == only)
        result = await self.session.execute(statement)
        return [OrganizationView(org, role, count) for org, role, count in result.all()]

    async def member_count(self, organization_id: uuid.UUID) -> int:
        result = await self.session.execute(
            select(func.count())
            .select_from(OrganizationMember)
            .where(OrganizationMember.organization_id == organization_id)
        )
        return int(result.scalar_one())

    async def slug_taken(self, slug: str, *, exclude: uuid.UUID | None = None) -> bool:
        statement = select(Organization.id).where(Organization.slug == slug)
        if exclude is not None:
            statement = statement.where(Organization.id != exclude)
        return (await self.session.execute(statement)).first() is not None

    async def flush_unique(self) -> bool:
        """Flush inside a savepoint; False when a unique constraint refused the write (a
        concurrent request won the race the earlier check could not see)."""
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def delete(self, organization_id: uuid.UUID) -> None:
        # Memberships, teams and API keys go with it (ON DELETE CASCADE, also on SQLite).
        await self.session.execute(delete(Organization).where(Organization.id == organization_id))


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, organization_id: uuid.UUID, user_id: uuid.UUID
    ) -> OrganizationMember | None:
        return await self.session.get(OrganizationMember, (organization_id, user_id))

    def _views(self) -> Select[OrganizationMember, User, str]:
        return (
            select(OrganizationMember, User, Team.name)
            .join(User, User.id == OrganizationMember.user_id)
            .outerjoin(Team, Team.id == OrganizationMember.team_id)
        )

    async def list(self, organization_id: uuid.UUID) -> list[MemberView]:
        result = await self.session.execute(
            self._views()
            .where(OrganizationMember.organization_id == organization_id)
            .order_by(OrganizationMember.joined_at, User.username)
        )
        return [MemberView(m, u, t) for m, u, t in result.all()]

    async def view(self, organization_id: uuid.UUID, user_id: uuid.UUID) -> MemberView | None:
        result = await self.session.execute(
            self._views().where(
                OrganizationMember.organization_id == organization_id,
                OrganizationMember.user_id == user_id,
            )
        )
        row = result.first()
        return MemberView(row[0], row[1], row[2]) if row else None

    async def count_owners(self, organization_id: uuid.UUID) -> int:
        result = await self.session.execute(
            select(func.count())
            .select_from(OrganizationMember)
            .where(
                OrganizationMember.organization_id == organization_id,
                OrganizationMember.role == "owner",
            )
        )
        return int(result.scalar_one())

    async def add(
        self,
        organization_id: uuid.UUID,
        user_id: uuid.UUID,
        *,
        role: str,
        team_id: uuid.UUID | None,
        joined_at: datetime,
    ) -> OrganizationMember:
        member = OrganizationMember(
            organization_id=organization_id,
            user_id=user_id,
            role=role,
            team_id=team_id,
            joined_at=joined_at,
        )
        self.session.add(member)
        await self.session.flush()
        return member

    async def remove(self, member: OrganizationMember) -> None:
        await self.session.delete(member)
        await self.session.flush()


class TeamRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, organization_id: uuid.UUID, team_id: uuid.UUID) -> Team | None:
        result = await self.session.execute(
            select(Team).where(Team.id == team_id, Team.organization_id == organization_id)
        )
        return result.scalar_one_or_none()

    async def get_by_name(self, organization_id: uuid.UUID, name: str) -> Team | None:
        result = await self.session.execute(
            select(Team).where(Team.organization_id == organization_id, Team.name == name)
        )
        return result.scalar_one_or_none()

    async def name_taken(
        self, organization_id: uuid.UUID, name: str, *, exclude: uuid.UUID | None = None
    ) -> bool:
        statement = select(Team.id).where(
            Team.organization_id == organization_id, Team.name == name
        )
        if exclude is not None:
            statement = statement.where(Team.id != exclude)
        return (await self.session.execute(statement)).first() is not None

    async def views(self, organization_id: uuid.UUID) -> list[TeamView]:
        counts = (
            select(OrganizationMember.team_id, func.count().label("member_count"))
            .where(OrganizationMember.organization_id == organization_id)
            .group_by(OrganizationMember.team_id)
            .subquery()
        )
        result = await self.session.execute(
            select(Team, func.coalesce(counts.c.member_count, 0))
            .outerjoin(counts, counts.c.team_id == Team.id)
            .where(Team.organization_id == organization_id)
            .order_by(Team.name)
        )
        return [TeamView(team, int(count)) for team, count in result.all()]

    async def member_count(self, team_id: uuid.UUID) -> int:
        result = await self.session.execute(
            select(func.count())
            .select_from(OrganizationMember)
            .where(OrganizationMember.team_id == team_id)
        )
        return int(result.scalar_one())

    async def add(self, team: Team) -> None:
        self.session.add(team)

    async def delete(self, team: Team) -> None:
        # Members of the team stay in the organization without a team (ON DELETE SET NULL).
        await self.session.execute(delete(Team).where(Team.id == team.id))
        self.session.expunge(team)


class UserLookup:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(
        self, *, user_id: uuid.UUID | None, username: str | None, email: str | None
    ) -> User | None:
        if user_id is not None:
            return await self.session.get(User, user_id)
        if username is not None:
            condition = User.username == username.casefold()
        elif email is not None:
            condition = User.email == email.casefold()
        else:
            return None
        result = await self.session.execute(select(User).where(condition))
        return result.scalar_one_or_none()
