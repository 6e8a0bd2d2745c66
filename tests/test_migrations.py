"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from xentree.kit.migrate import alembic_config, schema_drift


async def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    assert await schema_drift(database_url) == []


def test_every_revision_is_described() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads()
    for revision in script.walk_revisions():
        assert revision.module.__doc__, f"revision {revision.revision} has no description"


def test_history_has_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, script.get_heads()
