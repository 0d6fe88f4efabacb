"""Rate limits shared by every replica through the database.

- Failed sign-ins are counted per account and per client address in fixed windows; past the
  limit, sign-in answers 429 until the window ends.
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
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import Database
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
    session: AsyncSession, key: str, window_start: datetime, by: int, ttl: timedelta
) -> int:
    """Add `by` to a shared counter and return its new total (one upsert statement)."""
    values = {
        "key": key,
        "window_start": window_start,
        "count": by,
        "expires_at": window_start + ttl,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
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


class SignInLimiter:
    """Sign-in attempts per account and per client address, in fixed windows.

    An attempt is counted before the password is checked, in its own committed transaction,
    so guesses sent in parallel cannot all slip past the limit; a successful sign-in then
    takes its attempt back.
    """

    def __init__(
        self, db: Database, *, per_account: int, per_address: int, window_minutes: int
    ) -> None:
        self.db = db
        self.per_account = per_account
        self.per_address = per_address
        self.window = timedelta(minutes=window_minutes)

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

    async def attempt(self, email: str, address: str) -> None:
        """Count one attempt; raise 429 when the account or the address is over its limit."""
        now, window = self._window()
        async with self.db.unit_of_work(write=True) as session:
            account = await add_to_counter(
                session, self._account_key(email), window, 1, self.window
            )
            by_address = await add_to_counter(
                session, self._address_key(address), window, 1, self.window
            )
        if account > self.per_account or by_address > self.per_address:
            retry = max(1, math.ceil((window + self.window - now).total_seconds()))
            raise RateLimited(f"Too many failed sign-ins; retry in {retry} s.", retry_after=retry)

    async def succeeded(self, session: AsyncSession, email: str, address: str) -> None:
        """After a successful sign-in: forget the account's failures and give the address its
        attempt back (in the request's transaction)."""
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


async def purge_expired_counters(session: AsyncSession) -> int:
    """Delete counters whose window has passed."""
    result = await session.execute(delete(RateLimitCounter).where(_counter.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
