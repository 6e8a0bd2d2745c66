"""Running Alembic from code (CLI, `serve`, tests)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from xentree.kit.db import ensure_sqlite_directory


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    location = Path(str(resources.files("xentree") / "migrations"))
    config = Config()
    config.set_main_option("script_location", str(location))
    config.set_main_option(
        "file_template",
        "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s",
    )
    if url is not None:
        config.attributes["url"] = url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str | None = None, *, connection: Connection | None = None) -> None:
    """Migrate to every head (domains may add parallel branches that a merge later joins)."""
    if url is not None:
        ensure_sqlite_directory(url)
    command.upgrade(alembic_config(url, connection), "heads")


async def schema_drift(url: str) -> list[Any]:
    """Differences between the models and the schema at `url` (empty when they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy.ext.asyncio import create_async_engine

    from xentree.models import Base

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(diff)
    finally:
        await engine.dispose()
