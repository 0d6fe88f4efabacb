"""The reminder job for evaluations still owed: a reminder an hour after the interview, one a
day after that, an overdue notice at the due time, and an escalation to the hiring manager and
the recruiter at twice the feedback SLA."""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.models.base import table_of
from app.models.candidates import Application
from app.models.interviews import (
    Evaluation,
    EvaluationStatus,
    Interview,
    InterviewStatus,
    NotificationIntent,
)
from app.platform.events import record_event

_evaluation = table_of(Evaluation).c
_interview = table_of(Interview).c
_application = table_of(Application).c

RESOURCE = "evaluation"
REMINDER_EVERY = timedelta(hours=24)
# Cancelled and no-show interviews cancel their evaluations too; checking the interview as well
# keeps a reminder from going out in the moment between the two.
_HELD_OR_AHEAD = (InterviewStatus.SCHEDULED.value, InterviewStatus.COMPLETED.value)
_OWED = (EvaluationStatus.PENDING.value, EvaluationStatus.DRAFT.value)


def _payload(row: Any) -> dict[str, Any]:
    return {
        "evaluation_id": str(row.id),
        "interview_id": str(row.interview_id),
        "application_id": str(row.application_id),
        "interviewer_id": str(row.interviewer_id),
        "due_at": row.due_at.isoformat(),
    }


def _intent(session: AsyncSession, kind: str, recipient: uuid.UUID, row: Any) -> None:
    session.add(
        NotificationIntent(
            kind=kind,
            recipient_id=recipient,
            subject_type=RESOURCE,
            subject_id=row.id,
            payload=_payload(row),
        )
    )


def _next_after(scheduled: datetime, now: datetime) -> datetime:
    """The first reminder slot after `now`: days missed (a worker that was down) are skipped,
    not sent in a burst."""
    missed = math.floor((now - scheduled) / REMINDER_EVERY) + 1
    return scheduled + missed * REMINDER_EVERY


_DUE = (
    select(
        _evaluation.id,
        _evaluation.interview_id,
        _evaluation.application_id,
        _evaluation.interviewer_id,
        _evaluation.due_at,
        _evaluation.escalates_at,
        _evaluation.next_reminder_at,
        _evaluation.reminders_sent,
        _evaluation.overdue_notified_at,
        _evaluation.escalated_at,
        _application.hiring_manager_id,
        _application.recruiter_id,
    )
    .join(Interview, _interview.id == _evaluation.interview_id)
    .join(Application, _application.id == _evaluation.application_id)
    .where(
        or_(*(_evaluation.status == s for s in _OWED)),
        or_(*(_interview.status == s for s in _HELD_OR_AHEAD)),
    )
    .order_by(_evaluation.id)
    # Lock only the evaluations: a second worker skips them instead of waiting.
    .with_for_update(skip_locked=True, of=table_of(Evaluation))
)


async def process_due(session: AsyncSession) -> dict[str, int]:
    """Send every reminder, overdue notice and escalation that has come due; how many of each.

    The bookkeeping is written with plain UPDATEs: it is not part of what the API shows, so it
    must not change an evaluation's version (an interviewer's If-Match) or `updated_at` (an
    integration's `updated_since` sync).
    """
    now = utcnow()
    rows = (
        await session.execute(
            _DUE.where(
                or_(
                    _evaluation.next_reminder_at <= now,
                    and_(_evaluation.due_at <= now, _evaluation.overdue_notified_at.is_(None)),
                    and_(_evaluation.escalates_at <= now, _evaluation.escalated_at.is_(None)),
                )
            )
        )
    ).all()
    counts = {"reminders": 0, "overdue": 0, "escalated": 0}
    for row in rows:
        changes: dict[str, Any] = {}
        if row.next_reminder_at is not None and row.next_reminder_at <= now:
            first = row.reminders_sent == 0
            kind = "evaluation.reminder" if first else "evaluation.daily_reminder"
            _intent(session, kind, row.interviewer_id, row)
            changes["next_reminder_at"] = _next_after(row.next_reminder_at, now)
            changes["reminders_sent"] = row.reminders_sent + 1
            counts["reminders"] += 1
        if row.due_at <= now and row.overdue_notified_at is None:
            changes["overdue_notified_at"] = now
            _intent(session, "evaluation.overdue", row.interviewer_id, row)
            record_event(session, "evaluation.overdue", (RESOURCE, row.id), _payload(row))
            counts["overdue"] += 1
        if row.escalates_at <= now and row.escalated_at is None:
            changes["escalated_at"] = now
            recipients = list(dict.fromkeys((row.hiring_manager_id, row.recruiter_id)))
            for recipient in recipients:
                _intent(session, "evaluation.escalated", recipient, row)
            record_event(
                session,
                "evaluation.escalated",
                (RESOURCE, row.id),
                {**_payload(row), "notified": [str(r) for r in recipients]},
            )
            counts["escalated"] += 1
        await session.execute(
            update(table_of(Evaluation)).where(_evaluation.id == row.id).values(**changes)
        )
    await session.flush()
    return counts


async def remind_job(session: AsyncSession, _payload: dict[str, Any]) -> None:
    """The periodic job: reminders, overdue notices and escalations that fell due."""
    await process_due(session)
