"""An erasure plan: which rows change, which go, which files are deleted, and its report."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, and_
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import metadata

ERASED = "[erased]"

Key = tuple[Any, ...]


class Needles:
    """The strings that identify one person (name, e-mails, phone), found case-insensitively,
    also in their JSON-escaped spelling (how SQLite keeps non-ASCII text inside JSON)."""

    def __init__(self, values: Iterable[str | None]) -> None:
        plain = {v.strip().lower() for v in values if v and len(v.strip()) >= 3}
        escaped = {_json_escaped(v) for v in plain}
        self.plain = sorted(plain, key=len, reverse=True)
        self.searched = sorted(plain | escaped, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(re.escape(v) for v in self.searched), re.IGNORECASE)
            if self.searched
            else None
        )

    def __bool__(self) -> bool:
        return bool(self.plain)

    def found_in(self, text: str) -> bool:
        lowered = text.lower()
        return any(n in lowered for n in self.searched)

    def scrub(self, value: Any) -> Any:
        """The value with every needle replaced by the erased marker, JSON walked."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self._pattern.sub(ERASED, value)
        if isinstance(value, bytes):
            text = value.decode("utf-8", errors="surrogateescape")
            return self._pattern.sub(ERASED, text).encode("utf-8", errors="surrogateescape")
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        if isinstance(value, dict):
            return {self.scrub(k): self.scrub(v) for k, v in value.items()}
        return value


def _json_escaped(text: str) -> str:
    return json.dumps(text)[1:-1].lower()


@dataclass
class Plan:
    """Everything an erasure changes, computed before anything is changed: a dry run reports
    it, a real run applies exactly it."""

    updates: dict[str, dict[Key, dict[str, Any]]] = field(default_factory=dict)
    deletes: dict[str, set[Key]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)

    def update(self, table: Table, key: Key, values: dict[str, Any]) -> None:
        if key in self.deletes.get(table.name, set()):
            return
        self.updates.setdefault(table.name, {}).setdefault(key, {}).update(values)

    def delete(self, table: Table, key: Key) -> None:
        self.deletes.setdefault(table.name, set()).add(key)
        self.updates.get(table.name, {}).pop(key, None)

    def planned(self, table: Table, key: Key) -> dict[str, Any] | None:
        """The values already planned for a row (None: the row is deleted)."""
        if key in self.deletes.get(table.name, set()):
            return None
        return self.updates.get(table.name, {}).get(key, {})

    def changes(self) -> list[dict[str, Any]]:
        """Per table and action, how many rows: the report of a dry or real run."""
        rows = []
        for table in metadata.sorted_tables:
            if n := len(self.deletes.get(table.name, ())):
                rows.append({"table": table.name, "action": "delete", "rows": n})
            if n := len(self.updates.get(table.name, ())):
                rows.append({"table": table.name, "action": "anonymise", "rows": n})
        return rows

    async def apply(self, session: AsyncSession) -> None:
        """Run the planned statements in the session's transaction (children deleted first)."""
        tables = {t.name: t for t in metadata.sorted_tables}
        for table in reversed(metadata.sorted_tables):
            for key in sorted(self.deletes.get(table.name, ()), key=str):
                await session.execute(table.delete().where(_match(table, key)))
        for name, rows in self.updates.items():
            table = tables[name]
            for key, values in rows.items():
                await session.execute(table.update().where(_match(table, key)).values(**values))


def primary_key(table: Table) -> list[Any]:
    return list(table.primary_key.columns)


def _match(table: Table, key: Key) -> Any:
    return and_(*(column == value for column, value in zip(primary_key(table), key, strict=True)))
