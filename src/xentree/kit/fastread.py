"""Single-row reads outside any transaction, for the checks every request makes (credentials).

A request that only needs to know who is calling should cost one indexed lookup, not a
BEGIN / SELECT / COMMIT through the ORM. `FastReader` runs a pre-compiled SQLAlchemy `select`
directly on the driver, converting values with the same column types the ORM uses:

- SQLite: one read-only `sqlite3` connection per process, used from the event-loop thread. A
  primary-key lookup takes microseconds, far less than a hop to aiosqlite's worker thread, and
  in WAL mode it always sees the last committed state.
- PostgreSQL: an asyncpg pool; one round trip per lookup, no transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
from sqlalchemy import Select
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class PreparedQuery:
    sql: str
    param_names: tuple[str, ...]
    bind: tuple[Processor, ...]
    result: tuple[Processor, ...]

    def convert_params(self, params: dict[str, Any]) -> list[Any]:
        values = []
        for name, processor in zip(self.param_names, self.bind, strict=True):
            value = params[name]
            values.append(processor(value) if processor else value)
        return values

    def convert_row(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            processor(value) if processor else value
            for value, processor in zip(row, self.result, strict=True)
        )


def prepare(statement: Select[Any], dialect: Dialect) -> PreparedQuery:
    compiled = statement.compile(dialect=dialect)
    names = tuple(compiled.positiontup or ())
    bind = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    result = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )
    return PreparedQuery(sql=str(compiled), param_names=names, bind=bind, result=result)


class _Backend(Protocol):
    async def fetch_one(self, sql: str, params: list[Any]) -> Sequence[Any] | None: ...

    async def close(self) -> None: ...


class _SQLiteBackend:
    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._connection.execute("PRAGMA query_only=1")

    async def fetch_one(self, sql: str, params: list[Any]) -> Sequence[Any] | None:
        row: Sequence[Any] | None = self._connection.execute(sql, params).fetchone()
        return row

    async def close(self) -> None:
        self._connection.close()


class _PostgresBackend:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def fetch_one(self, sql: str, params: list[Any]) -> Sequence[Any] | None:
        row: Sequence[Any] | None = await self._pool.fetchrow(sql, *params)
        return row

    async def close(self) -> None:
        await self._pool.close()


async def _init_postgres_connection(connection: asyncpg.Connection) -> None:
    # Decode JSON the way SQLAlchemy's asyncpg dialect does, so its result processors apply.
    for name in ("json", "jsonb"):
        await connection.set_type_codec(
            name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def _no_reset(connection: asyncpg.Connection) -> None:
    """Skip asyncpg's reset query on release (a second round trip per lookup): these
    connections only ever run single SELECTs, so there is no session state to clear."""


class FastReader:
    def __init__(self, backend: _Backend, dialect: Dialect) -> None:
        self._backend = backend
        self.dialect = dialect
        self._prepared: dict[str, PreparedQuery] = {}

    @classmethod
    async def create(cls, engine: AsyncEngine, *, pool_size: int) -> FastReader:
        url = engine.url
        backend: _Backend
        if url.get_backend_name() == "sqlite":
            backend = _SQLiteBackend(url.database or "")
        else:
            dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
            pool = await asyncpg.create_pool(
                dsn,
                min_size=1,
                max_size=pool_size,
                init=_init_postgres_connection,
                reset=_no_reset,
            )
            backend = _PostgresBackend(pool)
        return cls(backend, engine.dialect)

    def prepare(self, key: str, statement: Select[Any]) -> PreparedQuery:
        query = self._prepared.get(key)
        if query is None:
            query = self._prepared[key] = prepare(statement, self.dialect)
        return query

    async def fetch_one(self, query: PreparedQuery, **params: Any) -> tuple[Any, ...] | None:
        row = await self._backend.fetch_one(query.sql, query.convert_params(params))
        return None if row is None else query.convert_row(row)

    async def close(self) -> None:
        await self._backend.close()
