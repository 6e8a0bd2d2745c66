"""`X-Forwarded-For` counts for the IP allow-list only when the peer is a trusted proxy."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import make_settings
from tests.fixtures.auth import AuthedUser, api_key_headers, make_api_key
from tests.organizations.helpers import assert_error
from xentree.config import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The test client's peer address is 127.0.0.1: here it is a trusted proxy.
    return make_settings(database_url, trusted_proxies=["127.0.0.1/32", "10.0.0.0/8"])


@pytest.mark.parametrize(
    ("forwarded", "status"),
    [
        (None, 403),  # the peer itself (the proxy) is not in the allow-list
        ("203.0.113.9", 200),
        ("198.51.100.1", 403),
        ("203.0.113.9, 10.1.1.1", 200),  # right-most untrusted hop is the client
        ("203.0.113.9, 198.51.100.1", 403),  # a client-supplied left hop cannot spoof
        ("198.51.100.1, 203.0.113.9", 200),
        ("garbage", 403),  # unparsable → the peer address
    ],
)
async def test_forwarded_for_from_trusted_proxy(
    client: httpx.AsyncClient,
    app: FastAPI,
    user: AuthedUser,
    forwarded: str | None,
    status: int,
) -> None:
    key = await make_api_key(app, user.id, ["organizations:read"], allowed_ips=["203.0.113.0/24"])
    headers = api_key_headers(key)
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    response = await client.get("/api/organizations", headers=headers)
    assert response.status_code == status, response.text
    if status == 403:
        assert_error(response, 403, "ip_not_allowed")
