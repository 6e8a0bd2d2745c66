"""The API-key endpoints: create (shown once, HMAC stored), list visibility, delete."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import TEST_SECRET, scalar
from tests.fixtures.auth import (
    AuthedUser,
    UserFactory,
    api_key_headers,
    make_api_key,
    make_organization,
)
from tests.organizations.helpers import assert_error, insert_member
from xentree.auth.scopes import ALL_SCOPES
from xentree.kit.time import clock, utcnow

KEY_FORMAT = re.compile(r"^xntr-[A-Za-z0-9_-]{86}$")
FIELDS = {
    "id",
    "name",
    "prefix",
    "organization_id",
    "scopes",
    "allowed_ips",
    "expires_at",
    "created_at",
    "created_by",
    "last_used_at",
}


async def create_key(
    client: httpx.AsyncClient, user: AuthedUser, org_id: str, **extra: object
) -> httpx.Response:
    body: dict[str, object] = {
        "name": "CI key",
        "organization_id": org_id,
        "scopes": ["organizations:read"],
    }
    body.update(extra)
    return await client.post("/api/api-keys", json=body, headers=user.headers)


async def test_create_returns_the_key_once_and_stores_only_its_hmac(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await make_organization(app, user.id)
    expires = datetime(2099, 1, 1, tzinfo=UTC)
    response = await create_key(
        client,
        user,
        org,
        scopes=["organizations:write", "organizations:read", "organizations:read"],
        allowed_ips=["10.1.2.3/8", "192.168.0.7", "2001:db8::1/32", "192.168.0.7"],
        expires_at=expires.isoformat(),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    key = body["key"]
    assert KEY_FORMAT.match(key) and len(key) == 91
    assert set(body) == FIELDS | {"key"}
    assert body["prefix"] == key[:12]
    assert body["organization_id"] == org
    assert body["created_by"] == user.id
    assert body["scopes"] == ["organizations:read", "organizations:write"]
    assert body["allowed_ips"] == ["10.0.0.0/8", "192.168.0.7/32", "2001:db8::/32"]
    assert datetime.fromisoformat(body["expires_at"]) == expires
    assert body["last_used_at"] is None

    # Only HMAC-SHA256 under a sub-key of the server secret is stored, never the key.
    sub_key = hmac.new(TEST_SECRET.encode(), b"xentree:api-key", hashlib.sha256).digest()
    expected_hash = hmac.new(sub_key, key.encode(), hashlib.sha256).digest()
    stored = await scalar(app, "SELECT key_hash FROM api_keys")
    assert bytes(stored) == expected_hash  # type: ignore[arg-type]
    dump = str(await scalar(app, "SELECT name || prefix || CAST(scopes AS VARCHAR) FROM api_keys"))
    assert key not in dump and key[12:] not in dump

    listed = (await client.get("/api/api-keys", headers=user.headers)).json()
    assert len(listed) == 1 and "key" not in listed[0]
    assert set(listed[0]) == FIELDS


async def test_keys_are_unique(client: httpx.AsyncClient, app: FastAPI, user: AuthedUser) -> None:
    org = await make_organization(app, user.id)
    keys = {(await create_key(client, user, org)).json()["key"] for _ in range(5)}
    assert len(keys) == 5


async def test_created_key_authenticates_inside_its_organization(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await make_organization(app, user.id)
    await make_organization(app, user.id)  # a second org of the same user
    key = (await create_key(client, user, org)).json()["key"]
    response = await client.get("/api/organizations", headers=api_key_headers(key))
    assert response.status_code == 200
    assert [o["id"] for o in response.json()] == [org]


async def test_scopes_must_come_from_the_catalogue(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await make_organization(app, user.id)
    for scopes in (["organizations:delete"], [], ["ORGANIZATIONS:READ"], "organizations:read", [1]):
        assert_error(await create_key(client, user, org, scopes=scopes), 400, "validation_error")
    response = await create_key(client, user, org, scopes=sorted(ALL_SCOPES))
    assert response.status_code == 201
    assert response.json()["scopes"] == sorted(ALL_SCOPES)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"allowed_ips": ["not-an-ip"]}, "allowed_ips"),
        ({"allowed_ips": ["10.0.0.0/33"]}, "allowed_ips"),
        ({"allowed_ips": ["::1/129"]}, "allowed_ips"),
        ({"allowed_ips": "10.0.0.0/8"}, "allowed_ips"),
        ({"allowed_ips": ["10.0.0.1"] * 101}, "allowed_ips"),
        ({"expires_at": "2099-01-01T00:00:00"}, "expires_at"),
        ({"expires_at": "tomorrow"}, "expires_at"),
        ({"name": ""}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"organization_id": "abc"}, "organization_id"),
        ({"surprise": True}, "surprise"),
    ],
)
async def test_create_validation(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser, extra: dict[str, object], field: str
) -> None:
    org = await make_organization(app, user.id)
    response = await create_key(client, user, org, **extra)
    assert_error(response, 400, "validation_error")
    assert field in response.json()["detail"]["fields"][0]["loc"]


async def test_create_requires_name_org_and_scopes(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    response = await client.post("/api/api-keys", json={}, headers=user.headers)
    assert_error(response, 400, "validation_error")
    missing = {tuple(f["loc"]) for f in response.json()["detail"]["fields"]}
    assert {("body", "name"), ("body", "organization_id"), ("body", "scopes")} <= missing


async def test_expiry_must_be_in_the_future(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await make_organization(app, user.id)
    now = utcnow().replace(microsecond=0)
    clock.freeze(now)
    for moment in (now, now - timedelta(seconds=1)):
        response = await create_key(client, user, org, expires_at=moment.isoformat())
        assert_error(response, 400, "validation_error")
        assert response.json()["detail"]["fields"][0]["loc"] == ["body", "expires_at"]
    later = now + timedelta(seconds=1)
    response = await create_key(client, user, org, expires_at=later.isoformat())
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 201), ("admin", 201), ("manager", 403), ("member", 403)]
)
async def test_only_owners_and_admins_create_keys(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser, role: str, status: int
) -> None:
    org = await make_organization(app, user.id, role=role)
    response = await create_key(client, user, org)
    assert response.status_code == status, response.text
    if status == 403:
        assert response.json()["detail"]["error"] == "forbidden"


async def test_create_for_a_foreign_or_unknown_org_is_404(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    alice = await user_factory()
    bob = await user_factory()
    org = await make_organization(app, bob.id)
    for org_id in (org, str(uuid.uuid4())):
        assert_error(await create_key(client, alice, org_id), 404, "not_found")


async def test_list_visibility(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    owner = await user_factory()
    admin = await user_factory()
    member = await user_factory()
    outsider = await user_factory()
    org = await make_organization(app, owner.id)
    other_org = await make_organization(app, owner.id)
    await insert_member(app, org, admin.id, "admin")
    await insert_member(app, org, member.id, "member")
    owner_key = (await create_key(client, owner, org, name="owner key")).json()["id"]
    admin_key = (await create_key(client, admin, org, name="admin key")).json()["id"]
    other_key = (await create_key(client, owner, other_org, name="other")).json()["id"]
    # A member cannot create keys through the API, but may hold one made earlier (e.g. when
    # they were an admin): they see only that one.
    await make_api_key(app, member.id, ["organizations:read"], organization_id=org)

    def ids(response: httpx.Response) -> set[str]:
        assert response.status_code == 200, response.text
        return {k["id"] for k in response.json()}

    all_in_org = ids(await client.get("/api/api-keys", headers=admin.headers))
    assert len(all_in_org) == 3 and {owner_key, admin_key} <= all_in_org
    assert ids(await client.get("/api/api-keys", headers=owner.headers)) == all_in_org | {other_key}
    assert ids(
        await client.get(
            "/api/api-keys", params={"organization_id": other_org}, headers=owner.headers
        )
    ) == {other_key}
    member_keys = ids(await client.get("/api/api-keys", headers=member.headers))
    assert len(member_keys) == 1 and not member_keys & {owner_key, admin_key}
    assert ids(await client.get("/api/api-keys", headers=outsider.headers)) == set()
    assert (
        ids(
            await client.get(
                "/api/api-keys", params={"organization_id": org}, headers=outsider.headers
            )
        )
        == set()
    )
    assert_error(
        await client.get("/api/api-keys", params={"organization_id": "x"}, headers=owner.headers),
        400,
        "validation_error",
    )


async def test_list_is_newest_first(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await make_organization(app, user.id)
    start = utcnow()
    for index in range(3):
        clock.freeze(start + timedelta(minutes=index))
        await create_key(client, user, org, name=f"k{index}")
    names = [k["name"] for k in (await client.get("/api/api-keys", headers=user.headers)).json()]
    assert names == ["k2", "k1", "k0"]


async def test_delete_revokes_immediately(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await make_organization(app, user.id)
    created = (await create_key(client, user, org)).json()
    headers = api_key_headers(created["key"])
    assert (await client.get("/api/organizations", headers=headers)).status_code == 200
    response = await client.delete(f"/api/api-keys/{created['id']}", headers=user.headers)
    assert response.status_code == 204 and response.content == b""
    assert_error(await client.get("/api/organizations", headers=headers), 401, "invalid_api_key")
    assert_error(
        await client.delete(f"/api/api-keys/{created['id']}", headers=user.headers),
        404,
        "not_found",
    )
    assert await scalar(app, "SELECT count(*) FROM api_keys") == 0


async def test_delete_rules(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    owner = await user_factory()
    admin = await user_factory()
    member = await user_factory()
    outsider = await user_factory()
    org = await make_organization(app, owner.id)
    await insert_member(app, org, admin.id, "admin")
    await insert_member(app, org, member.id, "member")
    owner_key = (await create_key(client, owner, org)).json()["id"]
    admin_key = (await create_key(client, admin, org)).json()["id"]

    # Not visible → 404, never a hint that it exists.
    for caller in (member, outsider):
        assert_error(
            await client.delete(f"/api/api-keys/{owner_key}", headers=caller.headers),
            404,
            "not_found",
        )
    assert_error(
        await client.delete(f"/api/api-keys/{uuid.uuid4()}", headers=owner.headers),
        404,
        "not_found",
    )
    assert_error(
        await client.delete("/api/api-keys/zzz", headers=owner.headers), 400, "validation_error"
    )
    # Admins delete any key of their organization; owners too.
    assert (
        await client.delete(f"/api/api-keys/{owner_key}", headers=admin.headers)
    ).status_code == 204
    assert (
        await client.delete(f"/api/api-keys/{admin_key}", headers=owner.headers)
    ).status_code == 204
    # A member deletes their own key.
    own = await make_api_key(app, member.id, ["organizations:read"], organization_id=org)
    own_id = (await client.get("/api/api-keys", headers=member.headers)).json()[0]["id"]
    assert (
        await client.delete(f"/api/api-keys/{own_id}", headers=member.headers)
    ).status_code == 204
    assert_error(
        await client.get("/api/organizations", headers=api_key_headers(own)), 401, "invalid_api_key"
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/api-keys"),
        ("POST", "/api/api-keys"),
        ("DELETE", f"/api/api-keys/{uuid.uuid4()}"),
    ],
)
async def test_key_management_is_bearer_only(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser, method: str, path: str
) -> None:
    key = await make_api_key(app, user.id, ["api:admin"])
    response = await client.request(method, path, headers=api_key_headers(key), json={})
    assert_error(response, 403, "bearer_required")
    response = await client.request(method, path)
    assert_error(response, 401, "not_authenticated")
