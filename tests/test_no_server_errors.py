"""Bad input gets a 4xx, never a 500: every route is called with garbage of many shapes."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.auth import AuthedUser, make_api_key

pytestmark = pytest.mark.usefixtures("app")

BODIES: list[Any] = [
    None,
    {},
    [],
    "text",
    12,
    {"unexpected": True},
    {"name": "x" * 5000, "slug": "%%%", "role": "emperor", "session_id": "nope"},
    {"tenantId": "not-a-uuid", "token": "a.b.c", "mode": 5, "origin": "ftp://x", "scopes": "x"},
    {"session_started_at": "yesterday", "transcripts": [{"role": 1}]},
    {"user_id": str(uuid.uuid4()), "organization_id": str(uuid.uuid4()), "scopes": ["nope"]},
]
PATH_VALUES = ["not-a-uuid", str(uuid.uuid4()), "0" * 40, "%E2%82%AC"]
QUERY = {
    "limit": "-1",
    "offset": "x",
    "tenantId": "nope",
    "start_date": "2026-13-45",
    "end_date": "yesterday",
    "organization_id": "zzz",
}


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every documented operation (the OpenAPI document walks nested routers for us)."""
    spec = app.openapi()
    return [
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
    ]


async def test_no_route_answers_500_to_garbage(
    client: httpx.AsyncClient, app: FastAPI, user: AuthedUser
) -> None:
    key = await make_api_key(app, user.id, ["api:admin"])
    credentials = [user.headers, {"X-API-Key": key}, {}]
    failures: list[str] = []
    checked = 0
    authenticated = 0
    for method, template in routes(app):
        for value in PATH_VALUES:
            path = re.sub(r"\{[^}]+\}", value, template)
            for headers in credentials:
                for body in BODIES if method in ("POST", "PUT", "PATCH") else [None]:
                    kwargs: dict[str, Any] = {"headers": headers, "params": QUERY}
                    if body is not None:
                        kwargs["json"] = body
                    response = await client.request(method, path, **kwargs)
                    checked += 1
                    if response.status_code >= 500:
                        failures.append(f"{method} {path} {body!r}: {response.status_code}")
                    else:
                        assert response.headers["x-request-id"]
                    if headers and response.status_code not in (401, 403):
                        authenticated += 1
    assert checked > 500
    assert failures == []
    # The bearer session survived until the end, so authenticated paths were really exercised.
    assert authenticated > checked // 4
