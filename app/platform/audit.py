"""The audit trail: who did what to which object, when, from which request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Mapping
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.context import client_address_var, current_actor, current_request_id
from app.core.db import Database
from app.core.ids import new_id
from app.core.metrics import Metrics
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.models.base import table_of
from app.models.identity import AuditEvent

log = logging.getLogger(__name__)


def record_audit(
    session: AsyncSession,
    action: str,
    *,
    object_type: str | None = None,
    object_id: uuid.UUID | str | None = None,
    details: Mapping[str, Any] | None = None,
    actor_user_id: uuid.UUID | None = None,
) -> AuditEvent:
    """Add an audit entry for the current actor to the request's transaction."""
    actor = current_actor()
    api_client_id = actor.api_client_id if actor else None
    user_id = actor_user_id or (actor.user_id if actor else None)
    entry = AuditEvent(
        actor_user_id=user_id,
        api_client_id=api_client_id,
        on_behalf_of=api_client_id is not None and user_id is not None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        request_id=current_request_id(),
        client_address=client_address_var.get(),
        details=dict(details or {}),
    )
    session.add(entry)
    return entry


_audit = table_of(AuditEvent).c
AUDIT_EVENTS = ListQuery(
    "audit_events",
    select(*_audit),
    filters={
        "actor_user_id": lambda p: _audit.actor_user_id == p,
        "api_client_id": lambda p: _audit.api_client_id == p,
        "action": lambda p: _audit.action == p,
        "object_type": lambda p: _audit.object_type == p,
        "object_id": lambda p: _audit.object_id == p,
        "since": lambda p: _audit.occurred_at >= p,
    },
    orders={"id": Keyset(columns=(_audit.id,), kinds=("uuid",))},
)


async def list_audit_events(
    db: Database,
    cursors: CursorCodec,
    page: PageRequest,
    *,
    actor_user_id: uuid.UUID | None = None,
    api_client_id: uuid.UUID | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
) -> PageResult:
    """A page of audit entries, oldest first, filtered."""
    return await AUDIT_EVENTS.page(
        db,
        cursors,
        page,
        order="id",
        actor_user_id=actor_user_id,
        api_client_id=api_client_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        since=since,
    )


class ReadAudit:
    """Audit entries for reads of personal data, written in batches about once a second.

    A read must not pay for a database write of its own (it would halve the throughput of
    candidate reads), so entries are queued in memory and inserted together; shutdown
    writes what is left. A failed write keeps the batch queued and is retried on the next
    tick, so a database outage loses nothing. The queue is bounded: while writes keep
    failing, entries beyond `max_pending` are dropped, counted in
    `tandem_read_audit_dropped_total` and logged. A crash of the process can lose at most
    what was queued; changes are always audited in their own transaction.
    """

    def __init__(self, db: Database, metrics: Metrics, *, max_pending: int = 100_000) -> None:
        self.db = db
        self.metrics = metrics
        self.max_pending = max_pending
        self._pending: deque[dict[str, Any]] = deque()
        self._flushing = asyncio.Lock()

    @property
    def pending(self) -> int:
        """Entries queued and not yet written."""
        return len(self._pending)

    def record(
        self, action: str, object_type: str, object_id: uuid.UUID | str, **details: Any
    ) -> None:
        """Queue one entry for the current actor and request."""
        if len(self._pending) >= self.max_pending:
            self.metrics.read_audit_dropped.inc()
            log.error(
                "read-audit queue full; entry dropped",
                extra={"action": action, "object_type": object_type},
            )
            return
        actor = current_actor()
        api_client_id = actor.api_client_id if actor else None
        user_id = actor.user_id if actor else None
        # Plain rows, not ORM objects: building a mapped instance per read costs more than
        # the rest of the audit, and the batch goes in as one multi-row INSERT.
        self._pending.append(
            {
                "id": new_id(),
                "occurred_at": utcnow(),
                "actor_user_id": user_id,
                "api_client_id": api_client_id,
                "on_behalf_of": api_client_id is not None and user_id is not None,
                "action": action,
                "object_type": object_type,
                "object_id": str(object_id),
                "request_id": current_request_id(),
                "client_address": client_address_var.get(),
                "details": details,
            }
        )
        self.metrics.read_audit_pending.set(len(self._pending))

    async def flush(self) -> int:
        """Write the queued entries now; how many. On failure they stay queued (the insert
        skips ids already written, so sending a batch twice is harmless) and it raises."""
        async with self._flushing:
            count = len(self._pending)
            if count:
                batch = list(islice(self._pending, count))
                await self.db.insert_rows(table_of(AuditEvent), batch)
                for _ in range(count):
                    self._pending.popleft()
                self.metrics.read_audit_pending.set(len(self._pending))
            return count

    async def run(self, stop: asyncio.Event) -> None:
        """Flush about once a second until `stop` is set, then once more."""
        while True:
            stopping = stop.is_set()
            if not stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=1.0)
            try:
                await self.flush()
            except Exception:
                log.warning(
                    "could not write read-audit entries; keeping them for the next try",
                    extra={"pending": len(self._pending)},
                    exc_info=True,
                )
                if stopping and self._pending:
                    log.error(
                        "read-audit entries not written at shutdown",
                        extra={"lost": len(self._pending)},
                    )
            if stopping:
                return
