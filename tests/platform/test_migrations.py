"""Migrations: the migrated schema matches the models exactly (autogenerate finds nothing),
and the history runs down to base and up again on a fresh database."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.core.migrations import alembic_config, current_revisions, head_revisions
from app.models import metadata
from tests.support.harness import Backend


def schema_diff(connection: Connection, target: MetaData) -> list[Any]:
    """What `alembic revision --autogenerate` would write, with alembic/env.py's own options
    (type comparison, server defaults, batch mode): env.py configures the MigrationContext
    and hands it to us instead of running migrations."""
    config = alembic_config()
    config.attributes["connection"] = connection
    script = ScriptDirectory.from_config(config)
    diffs: list[Any] = []

    def compare(_heads: Any, context: MigrationContext) -> list[Any]:
        assert context.opts["compare_type"] is not True  # env.py's own comparator is in use
        diffs.extend(compare_metadata(context, target))
        return []

    with EnvironmentContext(config, script, fn=compare):
        script.run_env()
    return diffs


async def diff_against(url: str, target: MetaData) -> list[Any]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(schema_diff, target)
    finally:
        await engine.dispose()


async def test_migrated_schema_matches_the_models(backend):
    assert await diff_against(backend.url, metadata) == []


async def test_the_comparison_sees_differences(backend):
    # Guard against a comparison that can never fail: drift in the models must show up.
    drifted = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["users"].append_column(Column("nickname", Integer, nullable=True))
    del_target = drifted.tables["job_schedules"]
    drifted.remove(del_target)
    diffs = await diff_against(backend.url, drifted)
    kinds = {(d[0], getattr(d[-1], "name", None)) for d in diffs if isinstance(d, tuple)}
    assert ("add_column", "nickname") in kinds
    assert ("remove_table", "job_schedules") in kinds


@contextlib.asynccontextmanager
async def fresh_database(backend: Backend, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the backend's kind, dropped afterwards."""
    if backend.name == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    url = make_url(backend.url)
    name = f"{url.database}_migrations"
    server = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def _migrate(connection: Connection, direction: str, target: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, direction)(config, target)


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_downgrade_to_base_and_upgrade_again(backend, tmp_path):
    app_tables = set(metadata.tables)
    async with fresh_database(backend, tmp_path) as url:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            for direction, target, expected_tables in (
                ("upgrade", "head", app_tables),
                ("downgrade", "base", set()),
                ("upgrade", "head", app_tables),
            ):
                async with engine.begin() as conn:
                    await conn.run_sync(_migrate, direction, target)
                async with engine.connect() as conn:
                    assert await conn.run_sync(_tables) == expected_tables, (direction, target)
                expected_revisions = head_revisions() if target == "head" else frozenset()
                assert await current_revisions(engine) == expected_revisions
        finally:
            await engine.dispose()
        assert await diff_against(url, metadata) == []


async def test_candidate_search_names_are_filled_in_for_stored_candidates(backend, tmp_path):
    """Revision 0005 adds the folded search name: candidates stored before it get theirs."""
    async with fresh_database(backend, tmp_path) as url:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(_migrate, "upgrade", "0004")
                await conn.execute(
                    text(
                        "INSERT INTO candidates (id, created_at, updated_at, version, full_name,"
                        " other_emails, links, skills, tags, external_ids)"
                        " VALUES (:id, :now, :now, 1, :name, '[]', '{}', '[]', '[]', '[]')"
                    ),
                    {"id": uuid.uuid4().hex, "now": datetime.now(UTC), "name": "Émile ZOLA"},
                )
            async with engine.begin() as conn:
                await conn.run_sync(_migrate, "upgrade", "head")
                stored = await conn.scalar(text("SELECT search_name FROM candidates"))
        finally:
            await engine.dispose()
    assert stored == "emile zola"
