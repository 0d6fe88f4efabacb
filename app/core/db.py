"""Engines and sessions for SQLite and PostgreSQL, plus a lean read path for hot GET routes.

Writes go through SQLAlchemy sessions (one transaction per request, committed by the
session dependency). Hot single-statement reads on PostgreSQL skip the ORM and run the
same statement, compiled once, straight on an asyncpg pool: that is the difference
between a data layer that costs nothing and one that costs half the throughput.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from sqlalchemy import Table, event
from sqlalchemy.dialects.postgresql.asyncpg import dialect as AsyncpgDialect  # noqa: N812
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql import Executable, Select
from sqlalchemy.util.concurrency import await_, in_greenlet

from app.core.config import Settings
from app.core.errors import ServiceUnavailable

log = logging.getLogger(__name__)

WRITE_OPTION = "tandem_write"
_PG_DIALECT = AsyncpgDialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]


@dataclass(slots=True)
class CompiledQuery:
    """A Core `select()` compiled once to PostgreSQL's native `$n` form for asyncpg."""

    statement: Select[Any]
    _sql: str = ""
    _params: tuple[str, ...] = field(default_factory=tuple)
    _constants: dict[str, Any] = field(default_factory=dict)

    def postgres(self) -> tuple[str, tuple[str, ...]]:
        """The SQL and its parameter names in `$n` order. (Write IN lists as OR-ed equalities:
        expanding parameters cannot be compiled ahead of time.)"""
        if not self._sql:
            compiled = self.statement.compile(dialect=_PG_DIALECT)
            self._sql = str(compiled)
            self._params = tuple(compiled.positiontup or ())
            # Values written into the statement itself (`status == "active"`).
            self._constants = {
                name: bind.value
                for name, bind in compiled.binds.items()
                if not bind.required and name in self._params
            }
        return self._sql, self._params

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        """The positional arguments for asyncpg."""
        sql_names = self.postgres()[1]
        return [params[n] if n in params else self._constants[n] for n in sql_names]


# A pooled connection that the server dropped while it sat idle: when PostgreSQL shuts down
# it sends each backend's client a FATAL error, and asyncpg, receiving an error while idle,
# leaves the connection in its error-consuming state until the socket's close is processed.
# A read that takes such a connection in between fails with InternalClientError ("cannot
# switch to state 12; another operation (2) is in progress"); the pool then discards it. A
# read is safe to repeat, so it is tried again on another (or a new) connection; if the
# database is really gone, the last failure is answered 503 like any outage.
_STALE_CONNECTION = (
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
)
_READ_ATTEMPTS = 3


class Database:
    """Owns the engines and pools for one database URL."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.resolved_database_url
        self.is_sqlite = self.url.startswith("sqlite")
        self.engine = self._create_engine()
        self._write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        self._read_sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = async_sessionmaker(self._write_engine, expire_on_commit=False)
        self._pg_pool: asyncpg.Pool | None = None

    def _create_engine(self) -> AsyncEngine:
        s = self.settings
        if self.is_sqlite:
            database = make_url(self.url).database
            if database and database != ":memory:":
                _private_sqlite_files(Path(database), s.data_dir)
            engine = create_async_engine(
                self.url,
                pool_size=s.db_pool_size,
                max_overflow=s.db_max_overflow,
                pool_timeout=s.db_pool_timeout_seconds,
                connect_args={"timeout": s.sqlite_busy_timeout_ms / 1000},
                # Statement errors would otherwise quote the parameters: personal data.
                hide_parameters=True,
                # Keep text readable in JSON columns, so a LIKE over them matches "café".
                json_serializer=_json_text,
            )
            _configure_sqlite(
                engine, s.sqlite_busy_timeout_ms, WriterQueue(s.sqlite_busy_timeout_ms)
            )
            return engine
        return create_async_engine(
            self.url,
            pool_size=s.db_pool_size,
            max_overflow=s.db_max_overflow,
            pool_timeout=s.db_pool_timeout_seconds,
            pool_pre_ping=True,
            pool_recycle=1800,
            connect_args={"timeout": s.db_connect_timeout_seconds},
            hide_parameters=True,
        )

    async def connect(self) -> None:
        """Open the lean read pool (PostgreSQL only); SQLAlchemy pools open lazily."""
        if self.is_sqlite or self._pg_pool is not None:
            return
        url = make_url(self.url).set(drivername="postgresql")
        # min_size=0: no connection is needed to start, so a replica that starts while the
        # database is away serves 503s (and /readyz says why) until it is back.
        self._pg_pool = await asyncpg.create_pool(
            url.render_as_string(hide_password=False),
            min_size=0,
            timeout=self.settings.db_connect_timeout_seconds,
            max_size=self.settings.db_pool_size,
            init=_init_asyncpg_connection,
            max_inactive_connection_lifetime=300,
        )

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self._pg_pool is not None:
            await self._pg_pool.close()
            self._pg_pool = None
        await self.engine.dispose()

    def session(self, *, write: bool) -> AsyncSession:
        """A new ORM session; write sessions take SQLite's write lock up front."""
        return (self._write_sessions if write else self._read_sessions)()

    @asynccontextmanager
    async def unit_of_work(self, *, write: bool) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits if the block succeeds and rolls back if not;
        then the session's after-transaction hooks run (see `after_transaction`)."""
        session = self.session(write=write)
        committed = False
        try:
            yield session
            if session.in_transaction() or session.new or session.dirty or session.deleted:
                await session.commit()
            committed = True
        except BaseException:
            try:
                await session.rollback()
            except Exception:  # the database may be why we are here
                log.debug("rollback failed", exc_info=True)
            raise
        finally:
            # A session that never touched the database has nothing to close (a hot GET
            # path reads through the lean pool instead).
            if session.in_transaction() or session.identity_map:
                try:
                    await session.close()
                except Exception:
                    log.debug("session close failed", exc_info=True)
            for hook in session.info.pop(_AFTER_HOOKS, ()):
                try:
                    await hook(committed)
                except Exception:
                    log.warning("after-transaction hook failed", exc_info=True)

    async def insert_rows(self, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Append many rows in one go, outside any request transaction: one pipelined
        `executemany` on the asyncpg pool, one multi-row INSERT elsewhere. Rows whose primary
        key exists already are skipped, so a batch whose commit was not acknowledged can
        simply be sent again."""
        if not rows:
            return
        if self._pg_pool is not None:
            columns = list(rows[0])
            if not set(columns) <= set(table.c.keys()):
                raise ValueError(f"unknown columns for {table.name}: {columns}")
            names = ", ".join(f'"{c}"' for c in columns)
            places = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
            await self._pg_pool.executemany(
                f'INSERT INTO "{table.name}" ({names}) VALUES ({places})'  # noqa: S608 - names come from the table
                " ON CONFLICT DO NOTHING",
                [tuple(r[c] for c in columns) for r in rows],
            )
            return
        async with self.unit_of_work(write=True) as session:
            await session.execute(sqlite_insert(table).on_conflict_do_nothing(), list(rows))

    async def fetch_one(
        self, query: CompiledQuery, params: Mapping[str, Any]
    ) -> Mapping[str, Any] | None:
        """Run a compiled read outside any request transaction; the first row or None."""
        if self._pg_pool is not None:
            sql, args = query.postgres()[0], query.arguments(params)
            for attempt in range(1, _READ_ATTEMPTS + 1):
                try:
                    record: Mapping[str, Any] | None = await self._pg_pool.fetchrow(sql, *args)
                    return record
                except _STALE_CONNECTION:
                    if attempt == _READ_ATTEMPTS:
                        raise
        async with self.engine.connect() as conn:
            result = await conn.execute(query.statement, dict(params))
            row: Mapping[str, Any] | None = result.mappings().first()
            return row

    async def fetch_all(
        self, query: CompiledQuery, params: Mapping[str, Any]
    ) -> Sequence[Mapping[str, Any]]:
        """Run a compiled read outside any request transaction; every row."""
        if self._pg_pool is not None:
            sql, args = query.postgres()[0], query.arguments(params)
            for attempt in range(1, _READ_ATTEMPTS + 1):
                try:
                    records: Sequence[Mapping[str, Any]] = await self._pg_pool.fetch(sql, *args)
                    return records
                except _STALE_CONNECTION:
                    if attempt == _READ_ATTEMPTS:
                        raise
        async with self.engine.connect() as conn:
            result = await conn.execute(query.statement, dict(params))
            rows: Sequence[Mapping[str, Any]] = result.mappings().all()
            return rows


def _private_sqlite_files(database: Path, data_dir: Path) -> None:
    """The database, its WAL and shared-memory files are the owner's alone (0600), in an
    owner-only data directory (0700). SQLite gives the WAL the database file's mode, so the
    file is created 0600 before SQLite opens it."""
    folder = database.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):  # a directory someone else owns keeps its mode
        if folder.resolve() == data_dir.resolve():
            os.chmod(folder, 0o700)
    if not database.exists():
        os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
    for path in (
        database,
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    ):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)


async def _init_asyncpg_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name,
            encoder=lambda value: orjson.dumps(value).decode(),
            decoder=orjson.loads,
            schema="pg_catalog",
        )


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class WriterQueue:
    """SQLite's writers, in this process, take turns in arrival order.

    SQLite allows one writer at a time and its busy handler polls: a steady writer (an import
    committing batch after batch) takes the lock again before a sleeping waiter wakes up, and
    the waiter times out with "database is locked". Queueing writers here first makes the
    turns fair; the database lock then only ever waits on other processes.
    """

    _HELD = "tandem.write_turn"

    def __init__(self, timeout_ms: int) -> None:
        self.timeout = timeout_ms / 1000
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _current(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        return self._lock

    def take(self, info: dict[Any, Any]) -> None:
        """Wait for this connection's turn (called inside SQLAlchemy's greenlet at BEGIN)."""
        if info.get(self._HELD) or not in_greenlet():
            return  # still our turn (a second transaction before check-in), or sync use
        lock = self._current()
        try:
            await_(asyncio.wait_for(lock.acquire(), self.timeout))
        except TimeoutError:
            raise ServiceUnavailable("The database is busy; retry shortly.") from None
        info[self._HELD] = lock

    def give_back(self, info: dict[Any, Any]) -> None:
        """End the turn when the connection goes back to the pool (after COMMIT or ROLLBACK)."""
        lock = info.pop(self._HELD, None)
        if lock is not None and lock.locked():
            lock.release()


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int, writers: WriterQueue) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Let us emit BEGIN ourselves (below) instead of the driver's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            f"PRAGMA busy_timeout={int(busy_timeout_ms)}",
            "PRAGMA foreign_keys=ON",
            "PRAGMA synchronous=NORMAL",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A write transaction takes the write lock at BEGIN: a deferred transaction that
        # upgrades from read to write later is what fails with "database is locked".
        if conn.get_execution_options().get(WRITE_OPTION):
            writers.take(conn.info)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                writers.give_back(conn.info)
                raise
        else:
            conn.exec_driver_sql("BEGIN")

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _on_checkin(_dbapi: DBAPIConnection | None, record: ConnectionPoolEntry) -> None:
        writers.give_back(record.info)

    # A connection that never comes back (invalidated, closed, detached) ends its turn too.
    @event.listens_for(engine.sync_engine.pool, "invalidate")
    def _on_invalidate(_dbapi: DBAPIConnection, record: ConnectionPoolEntry, _exc: Any) -> None:
        writers.give_back(record.info)

    @event.listens_for(engine.sync_engine.pool, "close")
    def _on_close(_dbapi: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        writers.give_back(record.info)

    @event.listens_for(engine.sync_engine.pool, "detach")
    def _on_detach(_dbapi: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        writers.give_back(record.info)


AfterHook = Callable[[bool], Awaitable[None]]
_AFTER_HOOKS = "tandem.after_transaction"


def after_transaction(session: AsyncSession, hook: AfterHook) -> None:
    """Run `hook(committed)` once the session's transaction has ended either way.

    For writes that must happen whatever the request's outcome (a failed sign-in counter) or
    that must not wait inside it (on SQLite a second writer would wait for our own lock).
    """
    session.info.setdefault(_AFTER_HOOKS, []).append(hook)


async def run_write(db: Database, statement: Executable) -> None:
    """Run one statement in its own short write transaction."""
    async with db.unit_of_work(write=True) as session:
        await session.execute(statement)
