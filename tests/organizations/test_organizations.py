"""Organization CRUD: happy paths, validation, slugs, visibility and cascading deletion."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import scalar
from tests.fixtures.auth import AuthedUser, UserFactory, api_key_headers, make_api_key
from tests.organizations.helpers import assert_error, insert_member, insert_team, insert_user


async def create_org(
    client: httpx.AsyncClient, user: AuthedUser, slug: str | None = None, **extra: object
) -> dict[str, object]:
    body = {"name": "Acme Learning", "slug": slug or f"acme-{uuid.uuid4().hex[:8]}", **extra}
    response = await client.post("/api/organizations", json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def test_create_get_list_update_delete(client: httpx.AsyncClient, user: AuthedUser) -> None:
    org = await create_org(
        client, user, slug="acme-learning", description="Workspace for team learning"
    )
    assert org["name"] == "Acme Learning"
    assert org["slug"] == "acme-learning"
    assert org["description"] == "Workspace for team learning"
    assert org["member_count"] == 1
    assert org["my_role"] == "owner"
    assert set(org) == {
        "id",
        "name",
        "slug",
        "description",
        "created_at",
        "member_count",
        "my_role",
    }

    got = await client.get(f"/api/organizations/{org['id']}", headers=user.headers)
    assert got.status_code == 200
    assert got.json() == org

    listed = await client.get("/api/organizations", headers=user.headers)
    assert listed.status_code == 200
    assert listed.json() == [org]

    patched = await client.patch(
        f"/api/organizations/{org['id']}",
        json={"name": "  Acme 2  ", "slug": "acme-two", "description": None},
        headers=user.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Acme 2"
    assert patched.json()["slug"] == "acme-two"
    assert patched.json()["description"] is None

    deleted = await client.delete(f"/api/organizations/{org['id']}", headers=user.headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    missing = await client.get(f"/api/organizations/{org['id']}", headers=user.headers)
    assert_error(missing, 404, "not_found")
    assert (await client.get("/api/organizations", headers=user.headers)).json() == []


async def test_list_shows_only_my_organizations_with_my_role(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    alice = await user_factory()
    bob = await user_factory()
    mine = await create_org(client, alice, slug="bbb-mine")
    theirs = await create_org(client, bob, slug="aaa-theirs")
    await insert_member(app, str(theirs["id"]), alice.id, "manager")
    await create_org(client, bob, slug="ccc-not-mine")

    listed = (await client.get("/api/organizations", headers=alice.headers)).json()
    assert [(o["slug"], o["my_role"], o["member_count"]) for o in listed] == [
        ("aaa-theirs", "manager", 2),
        ("bbb-mine", "owner", 1),
    ]
    assert mine["id"] in {o["id"] for o in listed}


async def test_slug_taken_on_create_and_update(client: httpx.AsyncClient, user: AuthedUser) -> None:
    await create_org(client, user, slug="taken-slug")
    response = await client.post(
        "/api/organizations", json={"name": "X", "slug": "taken-slug"}, headers=user.headers
    )
    assert_error(response, 409, "slug_taken")
    other = await create_org(client, user, slug="other-slug")
    response = await client.patch(
        f"/api/organizations/{other['id']}", json={"slug": "taken-slug"}, headers=user.headers
    )
    assert_error(response, 409, "slug_taken")
    # Keeping one's own slug is not a conflict.
    same = await client.patch(
        f"/api/organizations/{other['id']}", json={"slug": "other-slug"}, headers=user.headers
    )
    assert same.status_code == 200


@pytest.mark.parametrize(
    "slug",
    ["ab", "a" * 49, "Acme", "-acme", "acme-", "ac--me", "ac_me", "ac me", "acmé", "", 123, None],
)
async def test_bad_slugs_are_400(client: httpx.AsyncClient, user: AuthedUser, slug: object) -> None:
    response = await client.post(
        "/api/organizations", json={"name": "X", "slug": slug}, headers=user.headers
    )
    assert_error(response, 400, "validation_error")
    assert response.json()["detail"]["fields"][0]["loc"] == ["body", "slug"]


@pytest.mark.parametrize("slug", ["abc", "a" * 48, "a-b-c", "0rg-42", "x1y"])
async def test_good_slugs(client: httpx.AsyncClient, user: AuthedUser, slug: str) -> None:
    org = await create_org(client, user, slug=slug)
    assert org["slug"] == slug


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "good-slug"}, "name"),
        ({"name": "X"}, "slug"),
        ({"name": "", "slug": "good-slug"}, "name"),
        ({"name": "   ", "slug": "good-slug"}, "name"),
        ({"name": "x" * 201, "slug": "good-slug"}, "name"),
        ({"name": 5, "slug": "good-slug"}, "name"),
        ({"name": "X", "slug": "good-slug", "description": "d" * 2001}, "description"),
        ({"name": "X", "slug": "good-slug", "owner": "me"}, "owner"),
    ],
)
async def test_create_validation(
    client: httpx.AsyncClient, user: AuthedUser, body: dict[str, object], field: str
) -> None:
    response = await client.post("/api/organizations", json=body, headers=user.headers)
    assert_error(response, 400, "validation_error")
    assert field in response.json()["detail"]["fields"][0]["loc"]


async def test_create_needs_a_json_object(client: httpx.AsyncClient, user: AuthedUser) -> None:
    response = await client.post(
        "/api/organizations",
        content=b"not json",
        headers={**user.headers, "content-type": "application/json"},
    )
    assert_error(response, 400, "validation_error")


@pytest.mark.parametrize(
    "body", [{}, {"name": None}, {"slug": None}, {"name": ""}, {"slug": "Bad"}, {"extra": 1}]
)
async def test_update_validation(
    client: httpx.AsyncClient, user: AuthedUser, body: dict[str, object]
) -> None:
    org = await create_org(client, user)
    response = await client.patch(
        f"/api/organizations/{org['id']}", json=body, headers=user.headers
    )
    assert_error(response, 400, "validation_error")


async def test_bad_org_id_is_400(client: httpx.AsyncClient, user: AuthedUser) -> None:
    response = await client.get("/api/organizations/not-a-uuid", headers=user.headers)
    assert_error(response, 400, "validation_error")


async def test_unknown_and_foreign_orgs_are_404(
    client: httpx.AsyncClient, user_factory: UserFactory
) -> None:
    alice = await user_factory()
    bob = await user_factory()
    org = await create_org(client, bob)
    for org_id in (org["id"], str(uuid.uuid4())):
        assert_error(
            await client.get(f"/api/organizations/{org_id}", headers=alice.headers),
            404,
            "not_found",
        )


async def test_unauthenticated_is_401(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/api/organizations"),
        ("POST", "/api/organizations"),
        ("GET", f"/api/organizations/{uuid.uuid4()}"),
    ]:
        response = await client.request(method, path)
        assert_error(response, 401, "not_authenticated")
        assert response.headers["www-authenticate"] == "Bearer"


async def test_delete_cascades_members_teams_and_api_keys(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await create_org(client, user)
    org_id = str(org["id"])
    other = await insert_user(app)
    team = await insert_team(app, org_id)
    await insert_member(app, org_id, other, "member", team)
    key = await make_api_key(app, user.id, ["organizations:read"], organization_id=org_id)
    hex_id = uuid.UUID(org_id).hex

    def count(table: str) -> str:
        # Uuid columns are stored as 32 hex characters on SQLite and natively on PostgreSQL.
        return f"SELECT count(*) FROM {table} WHERE CAST(organization_id AS VARCHAR) IN (:a, :b)"

    for table in ("organization_members", "teams", "api_keys"):
        assert await scalar(app, count(table), a=org_id, b=hex_id) >= 1  # type: ignore[operator]
    assert (await client.get("/api/organizations", headers=api_key_headers(key))).status_code == 200

    response = await client.delete(f"/api/organizations/{org_id}", headers=user.headers)
    assert response.status_code == 204
    for table in ("organization_members", "teams", "api_keys"):
        assert await scalar(app, count(table), a=org_id, b=hex_id) == 0, table
    # The other member still exists as a user; the key of the deleted org is gone.
    assert await scalar(app, "SELECT count(*) FROM users") == 2
    assert_error(
        await client.get("/api/organizations", headers=api_key_headers(key)), 401, "invalid_api_key"
    )
