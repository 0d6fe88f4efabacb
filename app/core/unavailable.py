"""Recognise database failures that are not bugs: "the database is away or busy" (503 with
Retry-After) and "this value cannot be stored" (422), so neither becomes a 500."""

from __future__ import annotations

import asyncio
import sqlite3

import asyncpg
from sqlalchemy import exc as sa_exc

_PG_UNAVAILABLE = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.InterfaceError,
    # A connection left unusable by the server going away (see `app.core.db`).
    asyncpg.exceptions.InternalClientError,
)


def is_database_unavailable(exc: BaseException) -> bool:
    """True when `exc`, or anything it was raised from, means the database is unreachable."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _is_unavailable(current):
            return True
        orig = getattr(current, "orig", None)
        if isinstance(orig, BaseException) and _is_unavailable(orig):
            return True
        current = current.__cause__ or current.__context__
    return False


def _is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa_exc.TimeoutError):  # pool exhausted
        return True
    if isinstance(exc, (*_PG_UNAVAILABLE, ConnectionError, asyncio.TimeoutError)):
        return True
    if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        message = str(exc)
        return "database is locked" in message or "unable to open database" in message
    return False


_UNSTORABLE = (
    # SQLSTATE class 22, "data exception": NUL in text, numbers out of range, and the like.
    asyncpg.exceptions.DataError,
    OverflowError,  # an int too large for a 64-bit column (SQLite, and asyncpg's encoder)
)


def is_unstorable_value(exc: BaseException) -> bool:
    """True when the database refused a value itself: text it cannot store (NUL) or a number
    out of range.

    Schemas bound and check inputs up front; this is the safety net for any input that
    reaches the database without such a check."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _UNSTORABLE) or isinstance(
            getattr(current, "orig", None), _UNSTORABLE
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


# SQLSTATE class 23 codes that a concurrent writer can cause: a unique key taken, a row
# referred to deleted, an exclusion constraint met.
_RACE_SQLSTATES = frozenset({"23505", "23503", "23P01"})
_SQLITE_RACE_NAMES = frozenset(
    {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_FOREIGNKEY"}
)


def is_constraint_conflict(exc: BaseException) -> bool:
    """True when the database refused a write because of the rows that exist: a unique key
    taken (typically by a concurrent request that created the same thing first) or a row it
    refers to gone. The caller's answer is a 409, never a 500."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for candidate in (current, getattr(current, "orig", None)):
            if isinstance(candidate, sqlite3.IntegrityError):
                if getattr(candidate, "sqlite_errorname", "") in _SQLITE_RACE_NAMES:
                    return True
            elif getattr(candidate, "sqlstate", None) in _RACE_SQLSTATES:
                return True
        current = current.__cause__ or current.__context__
    return False
