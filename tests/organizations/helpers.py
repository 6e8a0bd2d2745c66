"""Rows written straight through the models, so a test sets up exactly the state it needs."""

from __future__ import annotations

import uuid

from fastapi import FastAPI

from xentree.kit.time import utcnow
from xentree.models import OrganizationMember, Team, User


async def insert_user(app: FastAPI, username: str | None = None) -> str:
    """A user without a usable password (a target of member operations, never a caller)."""
    name = username or f"u{uuid.uuid4().hex[:12]}"
    async with app.state.sessionmaker() as session:
        now = utcnow()
        user = User(
            username=name,
            email=f"{name}@example.com",
            password_hash="!unusable",
            full_name=f"Full {name}",
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        await session.commit()
        return str(user.id)


async def insert_member(
    app: FastAPI, org_id: str, user_id: str, role: str = "member", team_id: str | None = None
) -> None:
    async with app.state.sessionmaker() as session:
        session.add(
            OrganizationMember(
                organization_id=uuid.UUID(org_id),
                user_id=uuid.UUID(user_id),
                role=role,
                team_id=uuid.UUID(team_id) if team_id else None,
                joined_at=utcnow(),
            )
        )
        await session.commit()


async def insert_team(app: FastAPI, org_id: str, name: str | None = None) -> str:
    async with app.state.sessionmaker() as session:
        team = Team(
            organization_id=uuid.UUID(org_id),
            name=name or f"team-{uuid.uuid4().hex[:6]}",
            created_at=utcnow(),
        )
        session.add(team)
        await session.commit()
        return str(team.id)


def assert_error(response: object, status: int, error: str) -> None:
    import httpx

    assert isinstance(response, httpx.Response)
    assert response.status_code == status, response.text
    assert response.json()["detail"]["error"] == error, response.text
