"""Engine and session factories, the request transaction, and the dialect adapter for row locks.

SQLite (embedded default): WAL, foreign keys on, a busy timeout, and every transaction opened
with `BEGIN IMMEDIATE`, so a read-modify-write can never be interleaved with another writer — the
single-writer lock plays the part of PostgreSQL's `SELECT ... FOR UPDATE`. One pooled connection
per process serializes transactions inside a process without busy-waiting; across processes the
busy timeout queues them.

PostgreSQL: asyncpg with a pool; services lock rows with `for_update()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVarTuple

from sqlalchemy import Select, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool

from xentree.config import Settings

_Ts = TypeVarTuple("_Ts")


def create_engine(settings: Settings, *, url: str | None = None) -> AsyncEngine:
    database_url = url or settings.database_url
    if make_url(database_url).get_backend_name() == "sqlite":
        ensure_sqlite_directory(database_url)
        engine = create_async_engine(
            database_url,
            poolclass=AsyncAdaptedQueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
            connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
        )
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
        return engine
    return create_async_engine(
        database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_pre_ping=False,
    )


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite database file (the default lives in ./var/)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return
    if not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from pysqlite so BEGIN IMMEDIATE and SAVEPOINT work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends normally, rolled back otherwise."""
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


def for_update(statement: Select[*_Ts], session: AsyncSession) -> Select[*_Ts]:
    """Lock the selected rows until the transaction ends.

    PostgreSQL gets `FOR UPDATE`; SQLite's transaction already holds the database write lock
    (BEGIN IMMEDIATE), which is stronger, so the statement is left as it is.
    """
    if session.get_bind().dialect.name == "postgresql":
        return statement.with_for_update()
    return statement
