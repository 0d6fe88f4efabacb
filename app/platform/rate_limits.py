"""Rate limits shared by every replica through the database.

- Failed sign-ins are counted per account and per client address in fixed windows; past the
  limit, sign-in answers 429 until the window ends. Correct sign-ins and 429s count nothing.
- Every principal has a request budget per minute. Counting each request with a database
  write would cost more than the request, so each process counts locally and adds its count
  to the shared row about once a second; the shared total comes back with each sync. Several
  replicas can therefore overshoot the budget by at most what they admit in one sync interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.core.clock import utcnow
from app.core.db import Database, after_transaction
from app.core.errors import RateLimited
from app.models.base import table_of
from app.models.identity import RateLimitCounter

_counter = table_of(RateLimitCounter).c

log = logging.getLogger(__name__)

RATE_LIMIT_STATE = "tandem.rate_limit"
BUDGET_WINDOW_SECONDS = 60
SYNC_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class BudgetState:
    """What the RateLimit headers report for this request."""

    limit: int
    remaining: int
    reset_seconds: int


def _window_start(now: datetime, seconds: int) -> datetime:
    epoch = math.floor(now.timestamp() / seconds) * seconds
    return datetime.fromtimestamp(epoch, now.tzinfo)


async def add_to_counter(
    session: AsyncSession | AsyncConnection,
    key: str,
    window_start: datetime,
    by: int,
    ttl: timedelta,
) -> int:
    """Add `by` to a shared counter and return its new total (one upsert statement)."""
    values = {
        "key": key,
        "window_start": window_start,
        "count": by,
        "expires_at": window_start + ttl,
    }
    bind = session if isinstance(session, AsyncConnection) else session.get_bind()
    insert = pg_insert if bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(RateLimitCounter).values(**values)
    upsert = statement.on_conflict_do_update(
        index_elements=["key", "window_start"],
        set_={"count": _counter.count + statement.excluded.count},
    ).returning(_counter.count)
    return int((await session.execute(upsert)).scalar_one())


@dataclass(slots=True)
class _Tally:
    window: datetime
    pending: int = 0  # admitted here, not yet added to the shared counter
    shared: int = 0  # the shared total at the last sync (every replica's synced requests)


class RequestBudget:
    """Per-principal requests per minute, counted locally and summed across replicas."""

    def __init__(self, db: Database, per_minute: int) -> None:
        self.db = db
        self.limit = per_minute
        self._tallies: dict[str, _Tally] = {}

    def spend(self, key: str) -> BudgetState | None:
        """Admit one request for `key`, or raise 429 when its budget is spent."""
        if self.limit <= 0:
            return None
        now = utcnow()
        window = _window_start(now, BUDGET_WINDOW_SECONDS)
        window_end = window + timedelta(seconds=BUDGET_WINDOW_SECONDS)
        reset = max(1, math.ceil((window_end - now).total_seconds()))
        tally = self._tallies.get(key)
        if tally is None or tally.window != window:
            tally = self._tallies[key] = _Tally(window)
        used = tally.pending + tally.shared
        if used >= self.limit:
            raise RateLimited(
                f"The request budget of {self.limit} per minute is spent; retry in {reset} s.",
                retry_after=reset,
                headers=rate_limit_headers(BudgetState(self.limit, 0, reset)),
            )
        tally.pending += 1
        return BudgetState(self.limit, self.limit - used - 1, reset)

    async def sync(self) -> None:
        """Add local counts to the shared counters and learn the totals of all replicas."""
        batch = [(key, t.window, t.pending) for key, t in self._tallies.items() if t.pending]
        if batch:
            ttl = timedelta(seconds=BUDGET_WINDOW_SECONDS * 2)
            totals: dict[str, int] = {}
            async with self.db.unit_of_work(write=True) as session:
                for key, window, count in batch:
                    totals[key] = await add_to_counter(session, f"budget:{key}", window, count, ttl)
            for key, window, count in batch:
                tally = self._tallies.get(key)
                if tally is not None and tally.window == window:
                    tally.pending -= count
                    tally.shared = totals[key]
        current = _window_start(utcnow(), BUDGET_WINDOW_SECONDS)
        for key in [k for k, t in self._tallies.items() if t.window != current and not t.pending]:
            del self._tallies[key]

    async def run(self, stop: asyncio.Event) -> None:
        """Sync about once a second until `stop` is set."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=SYNC_INTERVAL_SECONDS)
            try:
                await self.sync()
            except Exception:
                log.warning("rate limit sync failed; counting locally meanwhile", exc_info=True)


def rate_limit_headers(state: BudgetState) -> dict[str, str]:
    """`RateLimit-Policy` and `RateLimit` (IETF httpapi draft, structured-field syntax)."""
    return {
        "RateLimit-Policy": f'"budget";q={state.limit};w={BUDGET_WINDOW_SECONDS}',
        "RateLimit": f'"budget";r={state.remaining};t={state.reset_seconds}',
    }


class _KeyedLocks:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class SignInLimiter:
    """Failed sign-ins per account and per client address, in fixed windows.

    Failures count, not attempts: a correct password never uses up anything, and a 429 is
    not counted. Guesses sent in parallel still cannot get past the limits:

    - the sign-ins of one account take turns (`turn`: a lock per account in the process,
      and on PostgreSQL a transaction-scoped advisory lock across replicas), so the account's
      failure count is exact when each attempt reads it;
    - an attempt holds a slot in its address's counter while the password is checked
      (`admit`); a failure keeps the slot, a success gives it back (`succeeded`). So the
      attempts in flight from one address count against its limit, and only they do.
    """

    def __init__(
        self, db: Database, *, per_account: int, per_address: int, window_minutes: int
    ) -> None:
        self.db = db
        self.per_account = per_account
        self.per_address = per_address
        self.window = timedelta(minutes=window_minutes)
        self._turns = _KeyedLocks()

    @staticmethod
    def _account_key(email: str) -> str:
        # Hashed: e-mail addresses can be longer than the key column.
        return "signin:account:" + hashlib.sha256(email.encode()).hexdigest()[:32]

    @staticmethod
    def _address_key(address: str) -> str:
        return f"signin:address:{address[:100]}"

    def _window(self) -> tuple[datetime, datetime]:
        now = utcnow()
        return now, _window_start(now, int(self.window.total_seconds()))

    def _refused(self, now: datetime, window: datetime) -> RateLimited:
        retry = max(1, math.ceil((window + self.window - now).total_seconds()))
        return RateLimited(f"Too many failed sign-ins; retry in {retry} s.", retry_after=retry)

    @contextlib.asynccontextmanager
    async def turn(self, email: str) -> AsyncIterator[SignInTurn]:
        """Hold the account's turn: one password check of an account at a time.

        On PostgreSQL the turn is one connection holding a session-level advisory lock, and
        the turn's counter writes go through it (each committed at once): a sign-in never
        needs a second connection while it holds one, so concurrent sign-ins cannot starve
        the pool. Should the lock not be given back, the connection is discarded, which
        releases it."""
        key = self._account_key(email)
        async with self._turns.hold(key):
            if self.db.is_sqlite:  # one server process; the process lock is enough
                yield SignInTurn(self, email, None)
                return
            digest = hashlib.sha256(key.encode()).digest()
            lock_id = int.from_bytes(digest[:8], "big", signed=True)
            async with self.db.engine.connect() as conn:
                await conn.execute(select(func.pg_advisory_lock(lock_id)))
                await conn.commit()
                try:
                    yield SignInTurn(self, email, conn)
                finally:
                    try:
                        await conn.rollback()
                        await conn.execute(select(func.pg_advisory_unlock(lock_id)))
                        await conn.commit()
                    except BaseException:
                        await conn.invalidate()
                        raise

    @contextlib.asynccontextmanager
    async def _writing(self, conn: AsyncConnection | None) -> AsyncIterator[AsyncConnection]:
        """A committed-at-once write: on the turn's connection, else a write transaction."""
        if conn is not None:
            try:
                yield conn
                await conn.commit()
            except BaseException:
                await conn.rollback()
                raise
            return
        async with self.db.unit_of_work(write=True) as session:
            yield await session.connection()

    async def _admit(self, conn: AsyncConnection | None, email: str, address: str) -> None:
        now, window = self._window()
        async with self._writing(conn) as writer:
            failures = (
                await writer.execute(
                    select(_counter.count).where(
                        _counter.key == self._account_key(email), _counter.window_start == window
                    )
                )
            ).scalar_one_or_none() or 0
            if failures >= self.per_account:
                raise self._refused(now, window)
            by_address = await add_to_counter(
                writer, self._address_key(address), window, 1, self.window
            )
            if by_address > self.per_address:
                raise self._refused(now, window)  # rolls the slot back

    async def _failed(self, conn: AsyncConnection | None, email: str) -> None:
        _, window = self._window()
        async with self._writing(conn) as writer:
            await add_to_counter(writer, self._account_key(email), window, 1, self.window)

    @staticmethod
    def _password_key(user_id: str) -> str:
        return f"password:user:{user_id}"

    async def password_attempt(self, user_id: str) -> bool:
        """Count a check of a signed-in user's current password before it is made (in its own
        committed transaction, so parallel guesses cannot slip past); False once the user has
        used up the window's attempts. A correct password clears the count
        (`password_verified`)."""
        _, window = self._window()
        async with self.db.unit_of_work(write=True) as session:
            count = await add_to_counter(
                session, self._password_key(user_id), window, 1, self.window
            )
        return count <= self.per_account

    def password_verified(self, session: AsyncSession, user_id: str) -> None:
        """The current password was right: forget the attempts once the request's transaction
        has ended, whatever its outcome (a weak new password fails the request, yet the
        caller did prove they know the current one)."""

        async def forget(_committed: bool) -> None:
            async with self.db.unit_of_work(write=True) as own:
                await own.execute(
                    delete(RateLimitCounter).where(_counter.key == self._password_key(user_id))
                )

        after_transaction(session, forget)

    async def succeeded(self, session: AsyncSession, email: str, address: str) -> None:
        """After a successful sign-in: forget the account's failures and give the address its
        slot back (in the request's transaction)."""
        _, window = self._window()
        await session.execute(
            delete(RateLimitCounter).where(_counter.key == self._account_key(email))
        )
        await session.execute(
            update(RateLimitCounter)
            .where(
                _counter.key == self._address_key(address),
                _counter.window_start == window,
                _counter.count > 0,
            )
            .values(count=_counter.count - 1)
        )


@dataclass(slots=True)
class SignInTurn:
    """One sign-in attempt holding its account's turn (see `SignInLimiter.turn`)."""

    limiter: SignInLimiter
    email: str
    conn: AsyncConnection | None

    async def admit(self, address: str) -> None:
        """429 (counting nothing) when the account or the address is over its limit;
        otherwise take a slot in the address's counter."""
        await self.limiter._admit(self.conn, self.email, address)

    async def failed(self) -> None:
        """Count a failure of the account (the address keeps its slot)."""
        await self.limiter._failed(self.conn, self.email)


async def purge_expired_counters(session: AsyncSession) -> int:
    """Delete counters whose window has passed."""
    result = await session.execute(delete(RateLimitCounter).where(_counter.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
