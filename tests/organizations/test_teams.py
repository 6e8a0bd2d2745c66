"""Teams: create, list with member counts, rename, delete (members keep their membership)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.auth import AuthedUser, make_organization
from tests.organizations.helpers import assert_error, insert_member, insert_team, insert_user


def teams_url(org_id: str, team_id: str | None = None) -> str:
    base = f"/api/organizations/{org_id}/teams"
    return f"{base}/{team_id}" if team_id else base


async def test_team_lifecycle(client: httpx.AsyncClient, app: FastAPI, user: AuthedUser) -> None:
    org = await make_organization(app, user.id)
    created = await client.post(teams_url(org), json={"name": "  Blue  "}, headers=user.headers)
    assert created.status_code == 201, created.text
    team = created.json()
    assert set(team) == {"id", "organization_id", "name", "created_at", "member_count"}
    assert (team["name"], team["organization_id"], team["member_count"]) == ("Blue", org, 0)

    member = await insert_user(app)
    await insert_member(app, org, member, "member", team["id"])
    await insert_team(app, org, "Alpha")
    listed = (await client.get(teams_url(org), headers=user.headers)).json()
    assert [(t["name"], t["member_count"]) for t in listed] == [("Alpha", 0), ("Blue", 1)]

    renamed = await client.patch(
        teams_url(org, team["id"]), json={"name": "Navy"}, headers=user.headers
    )
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["member_count"]) == ("Navy", 1)

    deleted = await client.delete(teams_url(org, team["id"]), headers=user.headers)
    assert deleted.status_code == 204
    members = (await client.get(f"/api/organizations/{org}/members", headers=user.headers)).json()
    assert {m["user_id"]: m["team_id"] for m in members}[member] is None
    assert_error(
        await client.delete(teams_url(org, team["id"]), headers=user.headers), 404, "not_found"
    )


async def test_team_names_unique_per_organization(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await make_organization(app, user.id)
    other = await make_organization(app, user.id)
    await insert_team(app, org, "Blue")
    assert_error(
        await client.post(teams_url(org), json={"name": "Blue"}, headers=user.headers),
        409,
        "team_name_taken",
    )
    assert (
        await client.post(teams_url(other), json={"name": "Blue"}, headers=user.headers)
    ).status_code == 201
    red = await insert_team(app, org, "Red")
    assert_error(
        await client.patch(teams_url(org, red), json={"name": "Blue"}, headers=user.headers),
        409,
        "team_name_taken",
    )
    same = await client.patch(teams_url(org, red), json={"name": "Red"}, headers=user.headers)
    assert same.status_code == 200


async def test_team_of_another_organization_is_404(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await make_organization(app, user.id)
    other = await make_organization(app, user.id)
    foreign_team = await insert_team(app, other)
    for method, body in (("PATCH", {"name": "X"}), ("DELETE", None)):
        response = await client.request(
            method, teams_url(org, foreign_team), json=body, headers=user.headers
        )
        assert_error(response, 404, "not_found")
    assert_error(
        await client.patch(
            teams_url(org, str(uuid.uuid4())), json={"name": "X"}, headers=user.headers
        ),
        404,
        "not_found",
    )


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "   "}, {"name": "n" * 101}, {"name": 3}, {"name": "ok", "x": 1}],
)
async def test_team_validation(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser, body: dict[str, object]
) -> None:
    org = await make_organization(app, user.id)
    team = await insert_team(app, org)
    assert_error(
        await client.post(teams_url(org), json=body, headers=user.headers), 400, "validation_error"
    )
    assert_error(
        await client.patch(teams_url(org, team), json=body, headers=user.headers),
        400,
        "validation_error",
    )
    assert_error(
        await client.delete(teams_url(org, "not-a-uuid"), headers=user.headers),
        400,
        "validation_error",
    )
