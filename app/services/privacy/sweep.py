"""The generic sweep: every text, JSON and binary column of every table, found from the
metadata (so a table added later is covered without a change here), searched for the
person's name, e-mails and phone; each hit is planned as that value with them replaced."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, LargeBinary, String, Table, Text, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import metadata
from app.services.privacy.plan import Needles, Plan, primary_key

# The audit log is append-only and holds ids only (no personal data by rule, checked by the
# erasure test's scan of every table); nothing may rewrite it.
UNTOUCHABLE = frozenset({"audit_events"})
# Records of other people: a namesake's name must survive, so only the person's e-mails and
# phone (which are theirs, wherever they are) are swept there, never the name.
PERSON_RECORDS = frozenset({"candidates", "users"})


def searchable_columns(table: Table) -> tuple[list[Any], list[Any]]:
    """(text and JSON columns, binary columns) of a table."""
    text, binary = [], []
    for column in table.columns:
        if column.primary_key:
            continue
        kind = column.type
        if isinstance(kind, LargeBinary):
            binary.append(column)
        elif isinstance(kind, String | Text | JSON) or isinstance(
            getattr(kind, "impl", None), String | Text | JSON
        ):
            text.append(column)
    return text, binary


async def sweep(session: AsyncSession, needles: Needles, contacts: Needles, plan: Plan) -> None:
    """Plan the replacement of the needles (in records of people: the contacts) in every row
    of every table that holds one."""
    for table in metadata.sorted_tables:
        if table.name in UNTOUCHABLE:
            continue
        wanted = contacts if table.name in PERSON_RECORDS else needles
        if not wanted:
            continue
        text_columns, binary_columns = searchable_columns(table)
        if text_columns:
            await _sweep_text(session, table, text_columns, wanted, plan)
        if binary_columns:
            await _sweep_binary(session, table, binary_columns, wanted, plan)


async def _sweep_text(
    session: AsyncSession, table: Table, columns: list[Any], needles: Needles, plan: Plan
) -> None:
    # One pass over the table: the database finds candidate rows, Python decides exactly.
    hits = or_(
        *(
            func.lower(cast(column, Text)).contains(needle, autoescape=True)
            for column in columns
            for needle in needles.searched
        )
    )
    keys = primary_key(table)
    rows = await session.execute(select(*keys, *columns).where(hits))
    for row in rows:
        _plan_row(table, row, keys, columns, needles, plan)


async def _sweep_binary(
    session: AsyncSession, table: Table, columns: list[Any], needles: Needles, plan: Plan
) -> None:
    # Binary columns (stored responses) cannot be searched portably in SQL; they live in
    # short-lived tables, so they are read and searched here.
    keys = primary_key(table)
    rows = await session.execute(
        select(*keys, *columns).where(or_(*(c.is_not(None) for c in columns)))
    )
    for row in rows:
        _plan_row(table, row, keys, columns, needles, plan)


def _plan_row(
    table: Table, row: Any, keys: list[Any], columns: list[Any], needles: Needles, plan: Plan
) -> None:
    key = tuple(row._mapping[k] for k in keys)
    planned = plan.planned(table, key)
    if planned is None:
        return
    values = {}
    for column in columns:
        if column.name in planned:
            continue  # already given a value free of personal data
        current = row._mapping[column]
        scrubbed = needles.scrub(current)
        if scrubbed != current:
            values[column.name] = scrubbed
    if values:
        plan.update(table, key, values)
