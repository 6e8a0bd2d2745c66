from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import TEST_SERVICE_KEY
from tests.fixtures.auth import AuthedUser, UserFactory, api_key_headers, make_api_key

SERVICE = {"X-Service-Key": TEST_SERVICE_KEY}
START = datetime(2026, 4, 16, 10, 0, tzinfo=UTC)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def turn(role: str, text: str, second: float) -> dict[str, str]:
    return {"role": role, "text": text, "timestamp": iso(START + timedelta(seconds=second))}


def body(turns: list[dict[str, str]], *, ended_after: int = 300, **extra: object) -> dict[str, Any]:
    return {
        "session_started_at": iso(START),
        "session_ended_at": iso(START + timedelta(seconds=ended_after)),
        "transcripts": turns,
        **extra,
    }


DOC_EXAMPLE = [
    {"role": "user", "text": "Hello Xentree", "timestamp": "2026-04-16T10:00:03Z"},
    {"role": "ai", "text": "Hi, how can I help you today?", "timestamp": "2026-04-16T10:00:05Z"},
]


async def save(client: httpx.AsyncClient, headers: dict[str, str], payload: Any) -> httpx.Response:
    return await client.post("/api/live/transcripts", json=payload, headers=headers)


async def listing(client: httpx.AsyncClient, user: AuthedUser, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/live/transcripts", headers=user.headers, params=params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_save_list_and_get_with_a_bearer_token(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    response = await save(client, user.headers, body(DOC_EXAMPLE))
    assert response.status_code == 200, response.text
    assert response.content == b""
    page = await listing(client, user)
    assert page["total"] == 1 and page["limit"] == 20 and page["offset"] == 0
    [item] = page["items"]
    assert item == {
        "id": item["id"],
        "session_started_at": "2026-04-16T10:00:00Z",
        "session_ended_at": "2026-04-16T10:05:00Z",
        "duration_seconds": 300,
        "turn_count": 2,
        "preview": "Hello Xentree",
    }
    detail = await client.get(f"/api/live/transcripts/{item['id']}", headers=user.headers)
    assert detail.status_code == 200
    assert detail.json() == {
        "id": item["id"],
        "session_started_at": "2026-04-16T10:00:00Z",
        "session_ended_at": "2026-04-16T10:05:00Z",
        "duration_seconds": 300,
        "turns": DOC_EXAMPLE,
    }


async def test_service_key_names_the_owner(
    client: httpx.AsyncClient, user: AuthedUser, user_factory: UserFactory
) -> None:
    other = await user_factory()
    by_name = await save(client, SERVICE, body(DOC_EXAMPLE, username=user.username.upper()))
    assert by_name.status_code == 200, by_name.text
    by_id = await save(client, SERVICE, body(DOC_EXAMPLE, user_id=other.id, ended_after=100))
    assert by_id.status_code == 200, by_id.text
    assert (await listing(client, user))["total"] == 1
    [item] = (await listing(client, other))["items"]
    assert item["duration_seconds"] == 100


async def test_service_key_owner_errors(client: httpx.AsyncClient, user: AuthedUser) -> None:
    missing = await save(client, SERVICE, body(DOC_EXAMPLE))
    assert missing.status_code == 400
    assert missing.json()["detail"]["error"] == "validation_error"
    extras: list[dict[str, object]] = [{"username": "nobody_here"}, {"user_id": str(uuid.uuid4())}]
    for extra in extras:
        response = await save(client, SERVICE, body(DOC_EXAMPLE) | extra)
        assert response.status_code == 404
        assert response.json()["detail"]["error"] == "not_found"
    mismatch = await save(
        client, SERVICE, body(DOC_EXAMPLE, user_id=user.id, username="someone_else")
    )
    assert mismatch.status_code == 404


async def test_save_credentials(
    app: FastAPI, client: httpx.AsyncClient, user: AuthedUser, user_factory: UserFactory
) -> None:
    assert (await save(client, {}, body(DOC_EXAMPLE))).status_code == 401
    wrong = await save(client, {"X-Service-Key": "not-the-key"}, body(DOC_EXAMPLE, user_id=user.id))
    assert wrong.status_code == 401
    key = await make_api_key(app, user.id, ["api:admin"])
    response = await save(client, api_key_headers(key), body(DOC_EXAMPLE))
    assert response.status_code == 403
    assert response.json()["detail"]["error"] == "bearer_required"
    other = await user_factory()
    for extra in ({"user_id": other.id}, {"username": other.username}):
        response = await save(client, user.headers, body(DOC_EXAMPLE) | extra)
        assert response.status_code == 403
        assert response.json()["detail"]["error"] == "forbidden"
    mine = await save(
        client, user.headers, body(DOC_EXAMPLE, user_id=user.id, username=user.username)
    )
    assert mine.status_code == 200
    assert (await listing(client, other))["total"] == 0


@pytest.mark.parametrize(
    "payload",
    [
        {},
        body(DOC_EXAMPLE) | {"session_started_at": None},
        body(DOC_EXAMPLE) | {"session_ended_at": "yesterday"},
        body(DOC_EXAMPLE) | {"session_started_at": "2026-04-16T10:00:00"},  # no offset
        body(DOC_EXAMPLE, ended_after=-1),
        body(DOC_EXAMPLE) | {"transcripts": "hello"},
        body([{"role": "robot", "text": "hi", "timestamp": iso(START)}]),
        body([{"role": "user", "text": "", "timestamp": iso(START)}]),
        body([{"role": "user", "text": "x" * 10_001, "timestamp": iso(START)}]),
        body([{"role": "user", "text": "hi"}]),
        body([{"role": "user", "text": "hi", "timestamp": "2026-04-16T10:00:01"}]),
        body([{"role": "user", "text": "hi", "timestamp": iso(START), "lang": "en"}]),
        body([turn("user", "too early", -301)]),
        body([turn("user", "too late", 601)]),
        body([turn("user", "t", 1)] * 5001),
        body(DOC_EXAMPLE, user_id="not-a-uuid"),
        body(DOC_EXAMPLE, username="x" * 33),
        body(DOC_EXAMPLE, extra=True),
    ],
)
async def test_save_validation(
    client: httpx.AsyncClient, user: AuthedUser, payload: dict[str, Any]
) -> None:
    response = await save(client, user.headers, payload)
    assert response.status_code == 400, response.text
    assert response.json()["detail"]["error"] == "validation_error"
    assert (await listing(client, user))["total"] == 0


async def test_turns_at_the_window_edges_are_accepted(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    payload = body(
        [turn("system", "early", -300), turn("ai", "late", 600), turn("user", "x" * 10_000, 5)]
    )
    response = await save(client, user.headers, payload)
    assert response.status_code == 200, response.text
    assert (await listing(client, user))["items"][0]["turn_count"] == 3


async def test_a_second_post_merges_deduplicated_and_ordered(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    first = [turn("user", "one", 1), turn("ai", "two", 2), turn("user", "three", 3)]
    assert (await save(client, user.headers, body(first, ended_after=60))).status_code == 200
    # A retry of the tail plus the late final turn, out of order, with a later end.
    second = [turn("user", "four", 4), turn("user", "three", 3), turn("ai", "two", 2)]
    second += [turn("ai", "two", 2), turn("ai", "two again", 2), turn("user", "three", 3.5)]
    response = await save(client, user.headers, body(second, ended_after=90))
    assert response.status_code == 200, response.text
    page = await listing(client, user)
    [item] = page["items"]
    assert (item["turn_count"], item["duration_seconds"], item["preview"]) == (6, 90, "one")
    detail = (await client.get(f"/api/live/transcripts/{item['id']}", headers=user.headers)).json()
    assert [(t["role"], t["text"]) for t in detail["turns"]] == [
        ("user", "one"),
        ("ai", "two"),
        ("ai", "two again"),
        ("user", "three"),
        ("user", "three"),
        ("user", "four"),
    ]
    assert [t["timestamp"] for t in detail["turns"]][3:5] == [
        "2026-04-16T10:00:03Z",
        "2026-04-16T10:00:03.500000Z",
    ]
    # An earlier end in a later post never shortens the session.
    await save(client, user.headers, body([turn("ai", "five", 5)], ended_after=10))
    [item] = (await listing(client, user))["items"]
    assert (item["turn_count"], item["duration_seconds"]) == (7, 90)


async def test_same_instant_in_another_offset_is_the_same_turn(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    await save(client, user.headers, body([turn("user", "hi", 1)]))
    shifted = {"role": "user", "text": "hi", "timestamp": "2026-04-16T12:00:01+02:00"}
    payload = body([shifted]) | {"session_started_at": "2026-04-16T12:00:00+02:00"}
    assert (await save(client, user.headers, payload)).status_code == 200
    page = await listing(client, user)
    assert page["total"] == 1
    assert page["items"][0]["turn_count"] == 1


async def test_concurrent_posts_for_one_session_merge(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    posts = [body([turn("user", f"turn {i}", i), turn("ai", "shared", 0)]) for i in range(8)]
    responses = await asyncio.gather(*(save(client, user.headers, p) for p in posts))
    assert {r.status_code for r in responses} == {200}, [r.text for r in responses]
    page = await listing(client, user)
    assert page["total"] == 1
    assert page["items"][0]["turn_count"] == 9


async def test_five_thousand_turns_save_in_one_request(
    client: httpx.AsyncClient, user: AuthedUser
) -> None:
    turns = [
        turn(
            "user" if i % 2 else "ai",
            f"Turn {i}: an ordinary sentence of a conversation, about this long.",
            i * 0.06,
        )
        for i in range(5000)
    ]
    payload = body(turns)
    raw = json.dumps(payload).encode()
    assert len(raw) < 1024 * 1024
    response = await client.post(
        "/api/live/transcripts",
        content=raw,
        headers={**user.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    [item] = (await listing(client, user))["items"]
    assert item["turn_count"] == 5000
    detail = (await client.get(f"/api/live/transcripts/{item['id']}", headers=user.headers)).json()
    assert len(detail["turns"]) == 5000
    assert detail["turns"][0]["text"].startswith("Turn 0:")
    assert detail["turns"][-1]["text"].startswith("Turn 4999:")


async def test_a_body_over_one_mebibyte_is_413(client: httpx.AsyncClient, user: AuthedUser) -> None:
    turns = [turn("user", "y" * 9000, i) for i in range(120)]
    response = await save(client, user.headers, body(turns))
    assert response.status_code == 413
    assert response.json()["detail"]["error"] == "payload_too_large"


async def test_list_is_paged_newest_first(client: httpx.AsyncClient, user: AuthedUser) -> None:
    for day in range(3):
        start = START + timedelta(days=day)
        payload = {
            "session_started_at": iso(start),
            "session_ended_at": iso(start + timedelta(minutes=1)),
            "transcripts": [{"role": "user", "text": f"day {day}", "timestamp": iso(start)}],
        }
        assert (await save(client, user.headers, payload)).status_code == 200
    page = await listing(client, user, limit=2)
    assert page["total"] == 3
    assert [i["preview"] for i in page["items"]] == ["day 2", "day 1"]
    page = await listing(client, user, limit=2, offset=2)
    assert [i["preview"] for i in page["items"]] == ["day 0"]
    for params in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}):
        response = await client.get("/api/live/transcripts", headers=user.headers, params=params)
        assert response.status_code == 400


async def test_read_access_rules(
    app: FastAPI, client: httpx.AsyncClient, user: AuthedUser, user_factory: UserFactory
) -> None:
    await save(client, user.headers, body(DOC_EXAMPLE))
    transcript_id = (await listing(client, user))["items"][0]["id"]
    other = await user_factory()
    response = await client.get(f"/api/live/transcripts/{transcript_id}", headers=other.headers)
    assert response.status_code == 404
    assert response.json()["detail"]["error"] == "not_found"
    missing = await client.get(f"/api/live/transcripts/{uuid.uuid4()}", headers=user.headers)
    assert missing.status_code == 404
    bad = await client.get("/api/live/transcripts/not-a-uuid", headers=user.headers)
    assert bad.status_code == 400
    assert (await client.get("/api/live/transcripts")).status_code == 401
    assert (await client.get(f"/api/live/transcripts/{transcript_id}")).status_code == 401
    writer = await make_api_key(app, user.id, ["live:write"])
    for path in ("/api/live/transcripts", f"/api/live/transcripts/{transcript_id}"):
        response = await client.get(path, headers=api_key_headers(writer))
        assert response.status_code == 403
        assert response.json()["detail"]["error"] == "INSUFFICIENT_API_KEY_SCOPE"
    reader = await make_api_key(app, user.id, ["live:read"])
    response = await client.get(
        f"/api/live/transcripts/{transcript_id}", headers=api_key_headers(reader)
    )
    assert response.status_code == 200
    assert len(response.json()["turns"]) == 2
    # The service key reads nothing.
    assert (await client.get("/api/live/transcripts", headers=SERVICE)).status_code == 401
