"""Run Alembic migrations from code (CLI, startup, tests) and tell whether a database is at head."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config() -> Config:
    """The project's Alembic configuration, independent of the working directory."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    return config


@cache
def head_revisions() -> frozenset[str]:
    """The revision ids at the head of the migration history."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Apply every pending migration on `engine`'s database."""

    def _upgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def current_revisions(engine: AsyncEngine) -> frozenset[str]:
    """The revisions the database says it is at."""

    def _current(connection: Connection) -> frozenset[str]:
        return frozenset(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as connection:
        return await connection.run_sync(_current)
