"""Recognise "the database is away or busy" so it becomes a 503 with Retry-After, not a 500."""

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
