"""Members: add, role changes, the comprehensive PUT, removal, and the last-owner rule."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import scalar
from tests.fixtures.auth import AuthedUser, UserFactory, make_organization
from tests.organizations.helpers import assert_error, insert_member, insert_team, insert_user


def members_url(org_id: str, user_id: str | None = None) -> str:
    base = f"/api/organizations/{org_id}/members"
    return f"{base}/{user_id}" if user_id else base


async def roles(client: httpx.AsyncClient, user: AuthedUser, org_id: str) -> dict[str, str]:
    response = await client.get(members_url(org_id), headers=user.headers)
    assert response.status_code == 200, response.text
    return {m["user_id"]: m["role"] for m in response.json()}


async def test_list_members_shape(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await make_organization(app, user.id)
    team = await insert_team(app, org, "Blue")
    other = await insert_user(app, "zed_member")
    await insert_member(app, org, other, "manager", team)
    response = await client.get(members_url(org), headers=user.headers)
    assert response.status_code == 200
    items = response.json()
    assert [m["user_id"] for m in items] == [user.id, other]
    assert set(items[0]) == {
        "user_id",
        "username",
        "full_name",
        "email",
        "role",
        "team_id",
        "team_name",
        "joined_at",
    }
    assert items[0]["role"] == "owner" and items[0]["team_id"] is None
    assert items[1] == {
        "user_id": other,
        "username": "zed_member",
        "full_name": "Full zed_member",
        "email": "zed_member@example.com",
        "role": "manager",
        "team_id": team,
        "team_name": "Blue",
        "joined_at": items[1]["joined_at"],
    }


@pytest.mark.parametrize("by", ["user_id", "username", "email"])
async def test_add_member_by_id_username_or_email(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser, by: str
) -> None:
    org = await make_organization(app, user.id)
    target = await insert_user(app, "newbie_x")
    team = await insert_team(app, org)
    identity = {"user_id": target, "username": "NEWBIE_X", "email": "Newbie_X@Example.com"}[by]
    response = await client.post(
        members_url(org),
        json={by: identity, "role": "admin", "team_id": team},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["user_id"], body["role"], body["team_id"]) == (target, "admin", team)
    assert (await roles(client, user, org))[target] == "admin"


async def test_add_member_defaults_to_member_role(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await make_organization(app, user.id)
    target = await insert_user(app)
    response = await client.post(members_url(org), json={"user_id": target}, headers=user.headers)
    assert response.status_code == 201
    assert response.json()["role"] == "member"
    assert response.json()["team_id"] is None


async def test_add_member_errors(client: httpx.AsyncClient, app: FastAPI, user: AuthedUser) -> None:
    org = await make_organization(app, user.id)
    target = await insert_user(app)
    await insert_member(app, org, target)
    assert_error(
        await client.post(members_url(org), json={"user_id": target}, headers=user.headers),
        409,
        "already_member",
    )
    for body in ({"user_id": str(uuid.uuid4())}, {"username": "nobody_here"}, {"email": "no@x.io"}):
        assert_error(
            await client.post(members_url(org), json=body, headers=user.headers), 404, "not_found"
        )
    other_org = await make_organization(app, user.id)
    foreign_team = await insert_team(app, other_org)
    newcomer = await insert_user(app)
    assert_error(
        await client.post(
            members_url(org),
            json={"user_id": newcomer, "team_id": foreign_team},
            headers=user.headers,
        ),
        404,
        "not_found",
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"role": "member"},
        {"user_id": "not-a-uuid"},
        {"username": "a", "email": "a@example.com"},
        {"user_id": str(uuid.uuid4()), "role": "superuser"},
        {"user_id": str(uuid.uuid4()), "role": None},
        {"user_id": str(uuid.uuid4()), "team_id": "x"},
        {"username": "u" * 33},
        {"email": "e" * 321},
        {"user_id": str(uuid.uuid4()), "unknown": True},
    ],
)
async def test_add_member_validation(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser, body: dict[str, object]
) -> None:
    org = await make_organization(app, user.id)
    assert_error(
        await client.post(members_url(org), json=body, headers=user.headers),
        400,
        "validation_error",
    )


async def test_patch_role(client: httpx.AsyncClient, app: FastAPI, user: AuthedUser) -> None:
    org = await make_organization(app, user.id)
    target = await insert_user(app)
    await insert_member(app, org, target)
    for role in ("manager", "admin", "owner", "member"):
        response = await client.patch(
            members_url(org, target), json={"role": role}, headers=user.headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["role"] == role
    assert_error(
        await client.patch(members_url(org, target), json={"role": "boss"}, headers=user.headers),
        400,
        "validation_error",
    )
    assert_error(
        await client.patch(members_url(org, target), json={}, headers=user.headers),
        400,
        "validation_error",
    )
    assert_error(
        await client.patch(
            members_url(org, str(uuid.uuid4())), json={"role": "member"}, headers=user.headers
        ),
        404,
        "not_found",
    )


async def test_last_owner_cannot_be_demoted_or_removed(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    user = await user_factory()
    org = await make_organization(app, user.id)
    assert_error(
        await client.patch(members_url(org, user.id), json={"role": "admin"}, headers=user.headers),
        409,
        "last_owner",
    )
    assert_error(
        await client.put(members_url(org, user.id), json={"role": "member"}, headers=user.headers),
        409,
        "last_owner",
    )
    assert_error(
        await client.delete(members_url(org, user.id), headers=user.headers), 409, "last_owner"
    )
    assert (await roles(client, user, org))[user.id] == "owner"

    # With a second owner the first may step down, and then the second is the last one.
    second = await user_factory()
    await insert_member(app, org, second.id, "owner")
    response = await client.patch(
        members_url(org, user.id), json={"role": "admin"}, headers=user.headers
    )
    assert response.status_code == 200
    own = members_url(org, second.id)
    assert_error(
        await client.patch(own, json={"role": "admin"}, headers=second.headers), 409, "last_owner"
    )
    assert_error(await client.delete(own, headers=second.headers), 409, "last_owner")
    assert_error(
        await client.put(own, json={"role": "member"}, headers=second.headers), 409, "last_owner"
    )
    assert (await roles(client, second, org))[second.id] == "owner"


async def test_owner_may_leave_when_another_owner_remains(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await make_organization(app, user.id)
    second = await insert_user(app)
    await insert_member(app, org, second, "owner")
    response = await client.delete(members_url(org, user.id), headers=user.headers)
    assert response.status_code == 204
    assert_error(
        await client.get(f"/api/organizations/{org}", headers=user.headers), 404, "not_found"
    )


async def test_member_may_remove_themself(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    owner = await user_factory()
    member = await user_factory()
    org = await make_organization(app, owner.id)
    await insert_member(app, org, member.id, "member")
    assert (
        await client.delete(members_url(org, member.id), headers=member.headers)
    ).status_code == 204
    assert member.id not in await roles(client, owner, org)


async def test_remove_unknown_member_is_404(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await make_organization(app, user.id)
    stranger = await insert_user(app)
    assert_error(
        await client.delete(members_url(org, stranger), headers=user.headers), 404, "not_found"
    )


async def test_put_sets_role_and_team_by_id_or_name(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await make_organization(app, user.id)
    blue = await insert_team(app, org, "Blue")
    red = await insert_team(app, org, "Red")
    target = await insert_user(app)
    await insert_member(app, org, target, "member", blue)

    response = await client.put(
        members_url(org, target), json={"role": "manager", "team_name": "Red"}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    assert (response.json()["role"], response.json()["team_id"], response.json()["team_name"]) == (
        "manager",
        red,
        "Red",
    )
    response = await client.put(
        members_url(org, target), json={"role": "admin", "team_id": blue}, headers=user.headers
    )
    assert (response.json()["role"], response.json()["team_id"]) == ("admin", blue)
    # PUT replaces: no team given means no team.
    response = await client.put(
        members_url(org, target), json={"role": "admin"}, headers=user.headers
    )
    assert response.json()["team_id"] is None

    for body, status, error in [
        ({"role": "member", "team_name": "Green"}, 404, "not_found"),
        ({"role": "member", "team_id": str(uuid.uuid4())}, 404, "not_found"),
        ({"role": "member", "team_id": blue, "team_name": "Blue"}, 400, "validation_error"),
        ({"team_id": blue}, 400, "validation_error"),
        ({"role": "chief"}, 400, "validation_error"),
        ({"role": "member", "organization_id": "nope"}, 400, "validation_error"),
        ({"role": "member", "team_name": "t" * 101}, 400, "validation_error"),
    ]:
        assert_error(
            await client.put(members_url(org, target), json=body, headers=user.headers),
            status,
            error,
        )


async def test_put_moves_member_to_another_organization(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    source = await make_organization(app, user.id)
    destination = await make_organization(app, user.id, role="admin")
    await insert_member(app, destination, await insert_user(app), "owner")
    team = await insert_team(app, destination, "Movers")
    target = await insert_user(app)
    await insert_member(app, source, target, "member")

    response = await client.put(
        members_url(source, target),
        json={"role": "manager", "organization_id": destination, "team_id": team},
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["role"], response.json()["team_name"]) == ("manager", "Movers")
    assert target not in await roles(client, user, source)
    assert (await roles(client, user, destination))[target] == "manager"


async def test_put_move_is_atomic_and_checked(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    source = await make_organization(app, user.id)
    destination = await make_organization(app, user.id, role="admin")
    foreign = await make_organization(app, await insert_user(app))
    member_dest = await make_organization(app, user.id, role="member")
    target = await insert_user(app)
    await insert_member(app, source, target, "admin")
    await insert_member(app, destination, target, "member")  # already there

    before = await scalar(app, "SELECT count(*) FROM organization_members")
    # Already a member of the destination: nothing changes anywhere.
    assert_error(
        await client.put(
            members_url(source, target),
            json={"role": "member", "organization_id": destination},
            headers=user.headers,
        ),
        409,
        "already_member",
    )
    # An admin of the destination may not grant owner there.
    assert_error(
        await client.put(
            members_url(source, target),
            json={"role": "owner", "organization_id": destination},
            headers=user.headers,
        ),
        403,
        "forbidden",
    )
    # Destination not visible / caller only a member there.
    assert_error(
        await client.put(
            members_url(source, target),
            json={"role": "member", "organization_id": foreign},
            headers=user.headers,
        ),
        404,
        "not_found",
    )
    assert_error(
        await client.put(
            members_url(source, target),
            json={"role": "member", "organization_id": member_dest},
            headers=user.headers,
        ),
        403,
        "forbidden",
    )
    # A team of the source organization is not a team of the destination.
    source_team = await insert_team(app, source)
    newcomer = await insert_user(app)
    await insert_member(app, source, newcomer)
    assert_error(
        await client.put(
            members_url(source, newcomer),
            json={"role": "member", "organization_id": destination, "team_id": source_team},
            headers=user.headers,
        ),
        404,
        "not_found",
    )
    assert await scalar(app, "SELECT count(*) FROM organization_members") == before + 1
    assert (await roles(client, user, source))[target] == "admin"
    assert (await roles(client, user, source))[newcomer] == "member"


async def test_put_cannot_move_the_last_owner(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    source = await make_organization(app, user.id)
    destination = await make_organization(app, user.id)
    assert_error(
        await client.put(
            members_url(source, user.id),
            json={"role": "owner", "organization_id": destination},
            headers=user.headers,
        ),
        409,
        "last_owner",
    )


async def test_removed_member_loses_access(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    owner = await user_factory()
    member = await user_factory()
    org = await make_organization(app, owner.id)
    await insert_member(app, org, member.id)
    assert (
        await client.get(f"/api/organizations/{org}", headers=member.headers)
    ).status_code == 200
    assert (
        await client.delete(members_url(org, member.id), headers=owner.headers)
    ).status_code == 204
    assert_error(
        await client.get(f"/api/organizations/{org}", headers=member.headers), 404, "not_found"
    )


async def test_manager_adds_to_their_own_team_and_manages_only_it(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    manager = await user_factory()
    org = await make_organization(app, await insert_user(app))
    mine = await insert_team(app, org, "Mine")
    theirs = await insert_team(app, org, "Theirs")
    await insert_member(app, org, manager.id, "manager", mine)
    newcomer = await insert_user(app)
    response = await client.post(
        members_url(org), json={"user_id": newcomer}, headers=manager.headers
    )
    assert response.status_code == 201, response.text
    assert (response.json()["role"], response.json()["team_id"]) == ("member", mine)
    # Taking a member out of the manager's team is allowed; moving them to another team is not.
    assert_error(
        await client.put(
            members_url(org, newcomer),
            json={"role": "member", "team_id": theirs},
            headers=manager.headers,
        ),
        403,
        "forbidden",
    )
    response = await client.put(
        members_url(org, newcomer), json={"role": "member"}, headers=manager.headers
    )
    assert response.status_code == 200 and response.json()["team_id"] is None
    # Out of the team, the member is beyond the manager's reach.
    assert_error(
        await client.delete(members_url(org, newcomer), headers=manager.headers), 403, "forbidden"
    )


async def test_manager_without_a_team_manages_nobody(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    manager = await user_factory()
    org = await make_organization(app, await insert_user(app))
    await insert_member(app, org, manager.id, "manager")
    response = await client.post(
        members_url(org), json={"user_id": await insert_user(app)}, headers=manager.headers
    )
    assert_error(response, 403, "forbidden")
