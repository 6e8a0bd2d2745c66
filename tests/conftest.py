"""Test harness.

The database is built once per test run through the migrations: a temporary SQLite file by
default, or a fresh PostgreSQL database created next to `XENTREE_TEST_DATABASE_URL`. Every test
gets its own app (its own engine, rate limiter and Redis prefix) and afterwards every table
except reference data is emptied, so tests may commit, open several connections or start server
processes and still not see each other. `XENTREE_TEST_REDIS_URL` switches shared counters to Redis.
"""

from __future__ import annotations

import os

os.environ["XENTREE_ENV"] = "testing"

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.fixtures.database import create_test_database, drop_test_database, empty_tables
from xentree.config import Settings
from xentree.kit.migrate import upgrade
from xentree.kit.time import clock
from xentree.main import create_app

pytest_plugins = ["tests.fixtures.auth"]

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
TEST_SERVICE_KEY = "test-service-key-0123456789abcdef"


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    base = os.environ.get("XENTREE_TEST_DATABASE_URL")
    if base:
        url = await create_test_database(base)
    else:
        path: Path = tmp_path_factory.mktemp("db") / "xentree-test.db"
        url = f"sqlite+aiosqlite:///{path}"
    await anyio.to_thread.run_sync(upgrade, url)
    try:
        yield url
    finally:
        if base:
            await drop_test_database(base, url)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "testing",
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "service_key": TEST_SERVICE_KEY,
        "redis_url": os.environ.get("XENTREE_TEST_REDIS_URL") or None,
        "redis_prefix": f"xentree-test-{uuid.uuid4().hex[:12]}",
        # Cheap Argon2 parameters keep the suite fast; the production defaults are tested apart.
        "argon2_time_cost": 1,
        "argon2_memory_cost_kib": 1024,
        "argon2_parallelism": 1,
        "database_pool_size": 5,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        try:
            yield application
        finally:
            clock.reset()
            await empty_tables(application.state.engine)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    clock.reset()
    yield
    clock.reset()


async def scalar(app: FastAPI, sql: str, **params: object) -> object:
    """Read one value straight from the database (for assertions on stored state)."""
    async with app.state.engine.connect() as connection:
        result = await connection.execute(text(sql), params)
        return result.scalar()
