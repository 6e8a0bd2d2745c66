"""Every role × every organization action: allowed (with its status) or the exact error.

The actor is a real logged-in user; everyone else is written straight into the database. The
same table runs with the actor's bearer token and with an API key of the actor bound to the
organization (scopes `organizations:read` + `organizations:write`): roles apply to keys too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.auth import UserFactory, api_key_headers, make_api_key, make_organization
from tests.organizations.helpers import insert_member, insert_team, insert_user

ROLES = ("owner", "admin", "manager", "member", "outsider")


@dataclass
class World:
    org: str
    other_org: str  # where the actor is admin (target of moves)
    actor: str
    team: str  # the actor's team
    other_team: str
    team_member: str
    other_member: str
    admin2: str
    owner2: str
    newcomer: str


Request = tuple[str, str, dict[str, Any] | None]
Action = Callable[[World], Request]


def org_url(w: World, suffix: str = "") -> str:
    return f"/api/organizations/{w.org}{suffix}"


ACTIONS: dict[str, tuple[Action, tuple[int, int, int, int, int]]] = {
    # name: (request, expected status for owner, admin, manager, member, outsider)
    "get_org": (lambda w: ("GET", org_url(w), None), (200, 200, 200, 200, 404)),
    "list_members": (lambda w: ("GET", org_url(w, "/members"), None), (200, 200, 200, 200, 404)),
    "list_teams": (lambda w: ("GET", org_url(w, "/teams"), None), (200, 200, 200, 200, 404)),
    "update_org": (
        lambda w: ("PATCH", org_url(w), {"description": "changed"}),
        (200, 200, 403, 403, 404),
    ),
    "delete_org": (lambda w: ("DELETE", org_url(w), None), (204, 403, 403, 403, 404)),
    "add_member_own_team": (
        lambda w: ("POST", org_url(w, "/members"), {"user_id": w.newcomer, "team_id": w.team}),
        (201, 201, 201, 403, 404),
    ),
    "add_member_no_team": (
        lambda w: ("POST", org_url(w, "/members"), {"user_id": w.newcomer}),
        (201, 201, 201, 403, 404),  # a manager's addition lands in the manager's team
    ),
    "add_member_other_team": (
        lambda w: (
            "POST",
            org_url(w, "/members"),
            {"user_id": w.newcomer, "team_id": w.other_team},
        ),
        (201, 201, 403, 403, 404),
    ),
    "add_manager": (
        lambda w: (
            "POST",
            org_url(w, "/members"),
            {"user_id": w.newcomer, "role": "manager", "team_id": w.team},
        ),
        (201, 201, 403, 403, 404),
    ),
    "add_admin": (
        lambda w: ("POST", org_url(w, "/members"), {"user_id": w.newcomer, "role": "admin"}),
        (201, 201, 403, 403, 404),
    ),
    "add_owner": (
        lambda w: ("POST", org_url(w, "/members"), {"user_id": w.newcomer, "role": "owner"}),
        (201, 403, 403, 403, 404),
    ),
    "promote_to_manager": (
        lambda w: ("PATCH", org_url(w, f"/members/{w.team_member}"), {"role": "manager"}),
        (200, 200, 403, 403, 404),
    ),
    "promote_to_admin": (
        lambda w: ("PATCH", org_url(w, f"/members/{w.team_member}"), {"role": "admin"}),
        (200, 200, 403, 403, 404),
    ),
    "grant_owner": (
        lambda w: ("PATCH", org_url(w, f"/members/{w.team_member}"), {"role": "owner"}),
        (200, 403, 403, 403, 404),
    ),
    "demote_admin": (
        lambda w: ("PATCH", org_url(w, f"/members/{w.admin2}"), {"role": "member"}),
        (200, 200, 403, 403, 404),
    ),
    "revoke_owner": (
        lambda w: ("PATCH", org_url(w, f"/members/{w.owner2}"), {"role": "admin"}),
        (200, 403, 403, 403, 404),
    ),
    "put_team_member_same": (
        lambda w: (
            "PUT",
            org_url(w, f"/members/{w.team_member}"),
            {"role": "member", "team_id": w.team},
        ),
        (200, 200, 200, 403, 404),
    ),
    "put_team_member_out_of_team": (
        lambda w: ("PUT", org_url(w, f"/members/{w.team_member}"), {"role": "member"}),
        (200, 200, 200, 403, 404),
    ),
    "put_team_member_to_other_team": (
        lambda w: (
            "PUT",
            org_url(w, f"/members/{w.team_member}"),
            {"role": "member", "team_id": w.other_team},
        ),
        (200, 200, 403, 403, 404),
    ),
    "put_team_member_promote": (
        lambda w: (
            "PUT",
            org_url(w, f"/members/{w.team_member}"),
            {"role": "manager", "team_id": w.team},
        ),
        (200, 200, 403, 403, 404),
    ),
    "put_other_member_into_my_team": (
        lambda w: (
            "PUT",
            org_url(w, f"/members/{w.other_member}"),
            {"role": "member", "team_id": w.team},
        ),
        (200, 200, 403, 403, 404),
    ),
    "put_admin": (
        lambda w: ("PUT", org_url(w, f"/members/{w.admin2}"), {"role": "member"}),
        (200, 200, 403, 403, 404),
    ),
    "put_owner": (
        lambda w: ("PUT", org_url(w, f"/members/{w.owner2}"), {"role": "admin"}),
        (200, 403, 403, 403, 404),
    ),
    "put_move_to_other_org": (
        lambda w: (
            "PUT",
            org_url(w, f"/members/{w.team_member}"),
            {"role": "member", "organization_id": w.other_org},
        ),
        (200, 200, 403, 403, 404),
    ),
    "remove_team_member": (
        lambda w: ("DELETE", org_url(w, f"/members/{w.team_member}"), None),
        (204, 204, 204, 403, 404),
    ),
    "remove_other_member": (
        lambda w: ("DELETE", org_url(w, f"/members/{w.other_member}"), None),
        (204, 204, 403, 403, 404),
    ),
    "remove_admin": (
        lambda w: ("DELETE", org_url(w, f"/members/{w.admin2}"), None),
        (204, 204, 403, 403, 404),
    ),
    "remove_owner": (
        lambda w: ("DELETE", org_url(w, f"/members/{w.owner2}"), None),
        (204, 403, 403, 403, 404),
    ),
    "leave": (
        lambda w: ("DELETE", org_url(w, f"/members/{w.actor}"), None),
        (204, 204, 204, 204, 404),
    ),
    "create_team": (
        lambda w: ("POST", org_url(w, "/teams"), {"name": "Fresh"}),
        (201, 201, 403, 403, 404),
    ),
    "rename_team": (
        lambda w: ("PATCH", org_url(w, f"/teams/{w.team}"), {"name": "Renamed"}),
        (200, 200, 403, 403, 404),
    ),
    "delete_team": (
        lambda w: ("DELETE", org_url(w, f"/teams/{w.team}"), None),
        (204, 204, 403, 403, 404),
    ),
    "create_api_key": (
        lambda w: (
            "POST",
            "/api/api-keys",
            {"name": "k", "organization_id": w.org, "scopes": ["organizations:read"]},
        ),
        (201, 201, 403, 403, 404),
    ),
}

ERROR_CODES = {403: "forbidden", 404: "not_found"}


async def build_world(app: FastAPI, actor_id: str, role: str) -> World:
    founder = await insert_user(app)
    org = await make_organization(app, founder)
    team = await insert_team(app, org, "Mine")
    other_team = await insert_team(app, org, "Theirs")
    if role != "outsider":
        await insert_member(app, org, actor_id, role, team)
    team_member = await insert_user(app)
    await insert_member(app, org, team_member, "member", team)
    other_member = await insert_user(app)
    await insert_member(app, org, other_member, "member", other_team)
    admin2 = await insert_user(app)
    await insert_member(app, org, admin2, "admin")
    other_org = await make_organization(app, actor_id, role="admin")
    await insert_member(app, other_org, await insert_user(app), "owner")
    return World(
        org=org,
        other_org=other_org,
        actor=actor_id,
        team=team,
        other_team=other_team,
        team_member=team_member,
        other_member=other_member,
        admin2=admin2,
        owner2=founder,
        newcomer=await insert_user(app),
    )


@pytest.mark.parametrize("credential", ["bearer", "api_key"])
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
async def test_role_matrix(
    client: httpx.AsyncClient,
    app: FastAPI,
    user_factory: UserFactory,
    action: str,
    role_index: int,
    credential: str,
) -> None:
    role = ROLES[role_index]
    actor = await user_factory()
    world = await build_world(app, actor.id, role)
    if credential == "bearer":
        headers = actor.headers
    else:
        # An outsider's key belongs to an organization of its own; the actor is admin of
        # `other_org`, so the key there proves a key never reaches beyond its organization.
        key_org = world.org if role != "outsider" else world.other_org
        headers = api_key_headers(
            await make_api_key(
                app,
                actor.id,
                ["organizations:read", "organizations:write"],
                organization_id=key_org,
            )
        )
    request_for, expected_by_role = ACTIONS[action]
    method, path, body = request_for(world)
    expected = expected_by_role[role_index]
    if credential == "api_key":
        if path.startswith("/api/api-keys"):
            expected = 403  # key management is bearer-only, whatever the role
        elif action == "put_move_to_other_org" and expected == 200:
            expected = 404  # a key cannot reach the other organization
    response = await client.request(method, path, json=body, headers=headers)
    assert response.status_code == expected, f"{role} {action}: {response.text}"
    if expected >= 400:
        error = response.json()["detail"]["error"]
        if credential == "api_key" and path.startswith("/api/api-keys"):
            assert error == "bearer_required"
        else:
            assert error == ERROR_CODES[expected], response.text
