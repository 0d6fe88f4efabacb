"""Alembic environment: async engines, batch mode on SQLite, and plain types in scripts."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import JSON, DateTime, Enum, String
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.sql.sqltypes import AutoString

from app.core.config import Settings
from app.models import metadata
from app.models.base import UTCDateTime

config = context.config


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Write plain SQLAlchemy types into migration scripts, never the app's own classes."""
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if isinstance(obj, Enum) and not obj.native_enum:
        return f"sa.String(length={obj.length})"
    variant = getattr(obj, "_variant_mapping", None)
    if isinstance(obj, JSON) and variant:
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def compare_type(
    context: Any, inspected: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """Compare the stored types the app's types turn into."""
    if isinstance(metadata_type, UTCDateTime):
        return not isinstance(inspected_type, DateTime)
    if isinstance(metadata_type, Enum) and not metadata_type.native_enum:
        return not (
            isinstance(inspected_type, String) and inspected_type.length == metadata_type.length
        )
    return None


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        compare_type=compare_type,
        compare_server_default=True,
    )


def do_run_migrations(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
        return
    url = config.attributes.get("database_url") or Settings().resolved_database_url
    asyncio.run(run_async_migrations(url))


def run_migrations_offline() -> None:
    url = config.attributes.get("database_url") or Settings().resolved_database_url
    context.configure(
        url=url,
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
