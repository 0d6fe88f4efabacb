"""Shared column types, the constraint naming convention and the common columns of every table."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import JSON, DateTime, Enum, MetaData, Table, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapper
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.ids import new_id

# Stable, predictable constraint names so migrations can address them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)
metadata = SQLModel.metadata

JSONVariant = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def enum_type(enum_cls: type[StrEnum], length: int = 30) -> Enum:
    """A string column holding an enum's values (no database enum type: new values need no DDL)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a model, for typed column expressions (`table_of(User).c.email`)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


class Timestamped(SQLModel):
    """`id`, `created_at` and `updated_at` (refreshed on every update)."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )


class Versioned(Timestamped):
    """Adds `version`, the counter behind strong ETags and `If-Match` checks."""

    version: int = Field(default=1, nullable=False)


@event.listens_for(Mapper, "before_update")
def _touch_on_update(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    if isinstance(target, Timestamped):
        target.updated_at = utcnow()
    if isinstance(target, Versioned):
        target.version += 1
