"""The relay: numbers committed events in commit order, then fans them out to webhooks.

UUIDv7 ids and `occurred_at` are taken when a transaction *writes* its event, not when it
commits, so a reader paging by id could pass an id whose transaction commits later and never
see that event. The relay runs after commit instead: holding one lock (an advisory lock on
PostgreSQL; SQLite has a single writer anyway) it reads every committed event that has no
number yet and gives them numbers above the highest one. Whatever commits later is numbered
by a later run, above everything a reader has already seen, so a cursor on `seq` never skips.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import table_of
from app.models.platform import Event
from app.platform.events import notify_on_commit
from app.services.events.deliveries import fan_out

RELAY_JOB = "events.relay"
BATCH = 2000
_LOCK_KEY = 7_415_001  # any constant shared by every process of the deployment

_event = table_of(Event)


async def sequence_events(session: AsyncSession, *, limit: int = BATCH) -> list[dict[str, Any]]:
    """Number the committed, unnumbered events (oldest first); the rows just numbered."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    top = (await session.execute(select(func.coalesce(func.max(_event.c.seq), 0)))).scalar_one()
    rows = (
        (
            await session.execute(
                select(_event)
                .where(_event.c.seq.is_(None))
                .order_by(_event.c.occurred_at, _event.c.id)
                .limit(limit)
            )
        )
        .mappings()
        .all()
    )
    if not rows:
        return []
    numbered = [{**row, "seq": top + i} for i, row in enumerate(rows, start=1)]
    await session.execute(
        update(_event)
        .where(_event.c.id == bindparam("event_id"))
        .values(seq=bindparam("new_seq"))
        .execution_options(synchronize_session=False),
        [{"event_id": row["id"], "new_seq": row["seq"]} for row in numbered],
    )
    return numbered


async def relay_job(session: AsyncSession, _payload: dict[str, Any]) -> None:
    """The periodic job: number what committed since the last run and fan it out."""
    if await fan_out(session, await sequence_events(session)):
        notify_on_commit(session)  # other workers: deliveries are waiting
