from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from starlette.requests import Request

from xentree.kit.crypto import constant_time_equals, derive_key, random_urlsafe
from xentree.kit.net import client_ip
from xentree.kit.time import Clock


def make_request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    return Request({"type": "http", "headers": headers, "client": (peer, 1234)})


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.5", None, [], "203.0.113.5"),
        ("203.0.113.5", "198.51.100.1", [], "203.0.113.5"),  # untrusted peer: header ignored
        ("10.0.0.2", "198.51.100.1", ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1, 10.0.0.9", ["10.0.0.0/8"], "198.51.100.1"),
        # A client can prepend anything; the right-most untrusted hop is the real one.
        ("10.0.0.2", "1.2.3.4, 198.51.100.1", ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.2", "garbage", ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", "10.0.0.3", ["10.0.0.0/8"], "10.0.0.2"),
        ("::1", "2001:db8::7", ["::1/128"], "2001:db8::7"),
    ],
)
def test_client_ip(peer: str, forwarded: str | None, trusted: list[str], expected: str) -> None:
    assert client_ip(make_request(peer, forwarded), trusted) == expected


def test_clock_freeze_and_advance() -> None:
    clock = Clock()
    at = datetime(2026, 1, 31, 23, 59, 30, tzinfo=UTC)
    clock.freeze(at)
    assert clock.now() == at
    clock.advance(45)
    assert clock.now() == at + timedelta(seconds=45)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.freeze(datetime(2026, 1, 1))  # noqa: DTZ001
    clock.reset()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_crypto_helpers() -> None:
    assert derive_key("s" * 20, "a") != derive_key("s" * 20, "b")
    assert len(derive_key("s" * 20, "a")) == 32
    assert len(random_urlsafe(64)) == 86
    assert constant_time_equals("abc", "abc")
    assert not constant_time_equals("abc", "abd")
