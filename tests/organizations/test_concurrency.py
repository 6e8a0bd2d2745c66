"""Rules that must hold when requests race (truly concurrent on PostgreSQL; serialized by the
writer lock on SQLite, where the same assertions hold trivially)."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from tests.conftest import scalar
from tests.fixtures.auth import UserFactory, make_organization
from tests.organizations.helpers import insert_member


async def test_two_owners_demoting_each_other_leave_one_owner(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    for _ in range(5):
        first = await user_factory()
        second = await user_factory()
        org = await make_organization(app, first.id)
        await insert_member(app, org, second.id, "owner")
        responses = await asyncio.gather(
            client.patch(
                f"/api/organizations/{org}/members/{second.id}",
                json={"role": "admin"},
                headers=first.headers,
            ),
            client.patch(
                f"/api/organizations/{org}/members/{first.id}",
                json={"role": "admin"},
                headers=second.headers,
            ),
        )
        statuses = sorted(r.status_code for r in responses)
        # Whoever goes second is no longer an owner (403) or would remove the last owner (409).
        assert statuses[0] == 200 and statuses[1] in (403, 409), [r.text for r in responses]
        owners = await scalar(
            app,
            "SELECT count(*) FROM organization_members WHERE role = 'owner'"
            " AND CAST(organization_id AS VARCHAR) IN (:a, :b)",
            a=org,
            b=org.replace("-", ""),
        )
        assert owners == 1


async def test_racing_creates_of_one_slug_give_one_201_and_409s(
    client: httpx.AsyncClient, user_factory: UserFactory
) -> None:
    users = [await user_factory() for _ in range(4)]
    responses = await asyncio.gather(
        *(
            client.post(
                "/api/organizations", json={"name": "Race", "slug": "race-slug"}, headers=u.headers
            )
            for u in users
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409], [r.text for r in responses]
    assert all(
        r.json()["detail"]["error"] == "slug_taken" for r in responses if r.status_code == 409
    )
