"""Resolving `X-API-Key`: format, revocation, expiry, IP allow-list, check order, scopes,
tenancy, and the once-a-minute `last_used_at`."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import anyio
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from tests.fixtures.auth import (
    AuthedUser,
    UserFactory,
    api_key_headers,
    make_api_key,
    make_organization,
)
from tests.organizations.helpers import assert_error, insert_member, insert_team
from xentree.auth.credentials import generate_api_key
from xentree.kit.time import clock, utcnow
from xentree.models import ApiKey

ORGS = "/api/organizations"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "xntr-",
        "xntr-short",
        "sk-" + "a" * 88,
        "xntr-" + "a" * 87,
        "XNTR-" + "a" * 86,
    ],
)
async def test_malformed_key_is_401(client: httpx.AsyncClient, value: str) -> None:
    response = await client.get(ORGS, headers={"X-API-Key": value})
    assert_error(response, 401, "invalid_api_key")
    assert response.headers["www-authenticate"] == "Bearer"


async def test_unknown_key_is_401(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    await make_api_key(app, user.id, ["organizations:read"])
    assert_error(
        await client.get(ORGS, headers=api_key_headers(generate_api_key())), 401, "invalid_api_key"
    )


async def test_key_works_with_surrounding_whitespace(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    key = await make_api_key(app, user.id, ["organizations:read"])
    assert (await client.get(ORGS, headers={"X-API-Key": f"  {key} "})).status_code == 200


async def test_expired_key_is_401_api_key_expired(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    now = utcnow().replace(microsecond=0)
    clock.freeze(now)
    key = await make_api_key(
        app, user.id, ["organizations:read"], expires_at=now + timedelta(seconds=10)
    )
    headers = api_key_headers(key)
    clock.advance(9)
    assert (await client.get(ORGS, headers=headers)).status_code == 200
    clock.advance(1)  # exactly at expires_at: no longer valid
    response = await client.get(ORGS, headers=headers)
    assert_error(response, 401, "api_key_expired")
    assert response.headers["www-authenticate"] == "Bearer"
    # Expiry is a credential failure: it wins over bearer-only and scope failures.
    assert_error(await client.get("/api/api-keys", headers=headers), 401, "api_key_expired")
    assert_error(await client.post(ORGS, json={}, headers=headers), 401, "api_key_expired")


@pytest.mark.parametrize(
    ("allowed", "status"),
    [
        (["127.0.0.1"], 200),
        (["127.0.0.0/8"], 200),
        (["10.0.0.0/8", "127.0.0.1/32"], 200),
        (["10.0.0.0/8"], 403),
        (["::1/128"], 403),
        (["::/0"], 403),
        (["0.0.0.0/0"], 200),
    ],
)
async def test_allowed_ips_use_the_peer_address(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser, allowed: list[str], status: int
) -> None:
    # The test client connects from 127.0.0.1.
    key = await make_api_key(app, user.id, ["organizations:read"], allowed_ips=allowed)
    response = await client.get(ORGS, headers=api_key_headers(key))
    assert response.status_code == status, response.text
    if status == 403:
        assert response.json()["detail"]["error"] == "ip_not_allowed"


async def test_forwarded_for_is_ignored_without_trusted_proxies(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    key = await make_api_key(app, user.id, ["organizations:read"], allowed_ips=["203.0.113.0/24"])
    response = await client.get(
        ORGS, headers={**api_key_headers(key), "X-Forwarded-For": "203.0.113.9"}
    )
    assert_error(response, 403, "ip_not_allowed")
    spoof_ok = await make_api_key(app, user.id, ["organizations:read"], allowed_ips=["127.0.0.1"])
    response = await client.get(
        ORGS, headers={**api_key_headers(spoof_ok), "X-Forwarded-For": "198.51.100.1"}
    )
    assert response.status_code == 200


async def test_check_order(client: httpx.AsyncClient, app: FastAPI, user: AuthedUser) -> None:
    """401 → 403 bearer_required → 403 INSUFFICIENT_API_KEY_SCOPE → role (403/404)."""
    read_only = api_key_headers(await make_api_key(app, user.id, ["organizations:read"]))
    # Bearer-only endpoint: the kind is refused before any scope is considered.
    assert_error(await client.get("/api/api-keys", headers=read_only), 403, "bearer_required")
    # Scope before role and before visibility: the org does not even exist.
    response = await client.delete(f"{ORGS}/{uuid.uuid4()}", headers=read_only)
    assert_error(response, 403, "INSUFFICIENT_API_KEY_SCOPE")
    # Scope before request validation of the body.
    response = await client.post(ORGS, json={"slug": 1}, headers=read_only)
    assert_error(response, 403, "INSUFFICIENT_API_KEY_SCOPE")
    # With the scope, the role decides: a member's key may not update the org.
    org = await make_organization(app, user.id, role="member")
    member_key = await make_api_key(app, user.id, ["organizations:write"], organization_id=org)
    response = await client.patch(
        f"{ORGS}/{org}", json={"name": "x"}, headers=api_key_headers(member_key)
    )
    assert_error(response, 403, "forbidden")
    # Credentials first of all: a bad key on a bearer-only endpoint is 401.
    assert_error(
        await client.get("/api/api-keys", headers=api_key_headers(generate_api_key())),
        401,
        "invalid_api_key",
    )


async def test_insufficient_scope_body(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    key = await make_api_key(app, user.id, ["organizations:read", "live:read"])
    response = await client.post(
        ORGS, json={"name": "X", "slug": "xyz-org"}, headers=api_key_headers(key)
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": {
            "error": "INSUFFICIENT_API_KEY_SCOPE",
            "message": "API key lacks required scope for this endpoint",
            "required_scope": "organizations:write",
            "granted_scopes": ["live:read", "organizations:read"],
        }
    }
    no_read = await make_api_key(app, user.id, ["organizations:write"])
    response = await client.get(ORGS, headers=api_key_headers(no_read))
    assert_error(response, 403, "INSUFFICIENT_API_KEY_SCOPE")
    assert response.json()["detail"]["required_scope"] == "organizations:read"


async def test_api_admin_implies_every_scope(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    key = api_key_headers(await make_api_key(app, user.id, ["api:admin"]))
    assert (await client.get(ORGS, headers=key)).status_code == 200
    response = await client.post(ORGS, json={"name": "By key", "slug": "by-key"}, headers=key)
    assert response.status_code == 201, response.text
    assert response.json()["my_role"] == "owner"


async def test_key_acts_as_its_creator_inside_its_organization(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    org = await make_organization(app, user.id, role="admin")
    await make_organization(app, user.id)  # another org of the creator, invisible to the key
    key = api_key_headers(
        await make_api_key(app, user.id, ["organizations:read"], organization_id=org)
    )
    listed = (await client.get(ORGS, headers=key)).json()
    assert [(o["id"], o["my_role"]) for o in listed] == [(org, "admin")]


async def test_key_stops_working_when_its_creator_leaves_the_org(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    owner = await user_factory()
    creator = await user_factory()
    org = await make_organization(app, owner.id)
    await insert_member(app, org, creator.id, "admin")
    key = api_key_headers(
        await make_api_key(app, creator.id, ["organizations:read"], organization_id=org)
    )
    assert (await client.get(ORGS, headers=key)).status_code == 200
    response = await client.delete(f"{ORGS}/{org}/members/{creator.id}", headers=owner.headers)
    assert response.status_code == 204
    assert_error(await client.get(ORGS, headers=key), 401, "invalid_api_key")


async def test_last_used_at_is_written_at_most_once_a_minute(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    start = utcnow().replace(microsecond=0)
    clock.freeze(start)
    key = api_key_headers(await make_api_key(app, user.id, ["organizations:read"]))

    async def last_used() -> datetime | None:
        async with app.state.sessionmaker() as session:
            return (await session.execute(select(ApiKey.last_used_at))).scalar_one()

    assert await last_used() is None
    assert (await client.get(ORGS, headers=key)).status_code == 200
    assert await last_used() == start
    clock.advance(59)
    assert (await client.get(ORGS, headers=key)).status_code == 200
    assert await last_used() == start
    clock.advance(1)
    assert (await client.get(ORGS, headers=key)).status_code == 200
    assert await last_used() == start + timedelta(seconds=60)
    listed = (await client.get("/api/api-keys", headers=user.headers)).json()
    assert listed[0]["last_used_at"] is not None


async def test_key_of_org_a_sees_nothing_of_org_b(
    client: httpx.AsyncClient, app: FastAPI, user_factory: UserFactory
) -> None:
    """Cross-tenant: even when the key's creator belongs to B, the key reaches only A."""
    alice = await user_factory()
    bob = await user_factory()
    org_a = await make_organization(app, alice.id)
    org_b = await make_organization(app, bob.id)
    await insert_member(app, org_b, alice.id, "owner")
    team_b = await insert_team(app, org_b)
    key = api_key_headers(await make_api_key(app, alice.id, ["api:admin"], organization_id=org_a))
    requests: list[tuple[str, str, dict[str, object] | None]] = [
        ("GET", f"{ORGS}/{org_b}", None),
        ("PATCH", f"{ORGS}/{org_b}", {"name": "pwned"}),
        ("DELETE", f"{ORGS}/{org_b}", None),
        ("GET", f"{ORGS}/{org_b}/members", None),
        ("POST", f"{ORGS}/{org_b}/members", {"user_id": alice.id}),
        ("PATCH", f"{ORGS}/{org_b}/members/{bob.id}", {"role": "member"}),
        ("PUT", f"{ORGS}/{org_b}/members/{bob.id}", {"role": "member"}),
        ("DELETE", f"{ORGS}/{org_b}/members/{bob.id}", None),
        ("GET", f"{ORGS}/{org_b}/teams", None),
        ("POST", f"{ORGS}/{org_b}/teams", {"name": "x"}),
        ("PATCH", f"{ORGS}/{org_b}/teams/{team_b}", {"name": "y"}),
        ("DELETE", f"{ORGS}/{org_b}/teams/{team_b}", None),
        # Moving a member of A into B is reaching into B too.
        ("PUT", f"{ORGS}/{org_a}/members/{alice.id}", {"role": "owner", "organization_id": org_b}),
    ]
    for method, path, body in requests:
        response = await client.request(method, path, json=body, headers=key)
        assert_error(response, 404, "not_found")
    assert org_b not in {o["id"] for o in (await client.get(ORGS, headers=key)).json()}
    # Nothing changed in B.
    members = (await client.get(f"{ORGS}/{org_b}/members", headers=bob.headers)).json()
    assert {m["user_id"]: m["role"] for m in members} == {bob.id: "owner", alice.id: "owner"}
    teams = (await client.get(f"{ORGS}/{org_b}/teams", headers=bob.headers)).json()
    assert [t["id"] for t in teams] == [team_b]


async def test_last_used_write_never_waits_for_a_locked_key_row(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser, is_postgres: bool
) -> None:
    """A request must not queue behind another transaction holding the key's row (e.g. a slow
    request that wrote `last_used_at`, or a delete in progress): the usage write is skipped."""
    if not is_postgres:
        pytest.skip("row locks are a PostgreSQL matter; SQLite has one writer lock")
    key = api_key_headers(await make_api_key(app, user.id, ["organizations:read"]))
    async with app.state.engine.connect() as other:
        await other.execute(text("SELECT id FROM api_keys FOR UPDATE"))
        with anyio.fail_after(5):
            response = await client.get(ORGS, headers=key)
        assert response.status_code == 200
        await other.rollback()
    async with app.state.sessionmaker() as session:
        assert (await session.execute(select(ApiKey.last_used_at))).scalar_one() is None
    # Once the row is free again, the next request records the use.
    assert (await client.get(ORGS, headers=key)).status_code == 200
    async with app.state.sessionmaker() as session:
        assert (await session.execute(select(ApiKey.last_used_at))).scalar_one() is not None
