"""Intake deadlines that people are told about: the shortlist due in 2 days or overdue, and
sign-offs waiting for more than 2 days. Each becomes notification intents once per intake
(and, for sign-offs, once per stay in review)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.models.base import table_of
from app.models.intakes import Intake, IntakeStatus, SignOffParty
from app.models.interviews import NotificationIntent

DEADLINES_JOB = "intakes.notify_deadlines"
SHORTLIST_SOON = timedelta(days=2)
SIGN_OFF_WAIT = timedelta(days=2)
RUNNING = (IntakeStatus.AGREED, IntakeStatus.OPEN)

_intake = table_of(Intake).c
_intent = table_of(NotificationIntent).c


def _not_told(kind: str, since: Any = None) -> Any:
    told = and_(_intent.kind == kind, _intent.subject_id == _intake.id)
    if since is not None:
        told = and_(told, _intent.created_at >= since)
    return ~exists().where(told)


def tell(
    session: AsyncSession, kind: str, recipients: list[uuid.UUID], intake: Any, **extra: Any
) -> None:
    payload = {"intake_id": str(intake.id), "title": intake.title, **extra}
    for recipient in dict.fromkeys(recipients):
        session.add(
            NotificationIntent(
                kind=kind,
                recipient_id=recipient,
                subject_type="intake",
                subject_id=intake.id,
                payload=payload,
            )
        )


async def notify_deadlines(session: AsyncSession) -> dict[str, int]:
    """Record the intents that fell due; how many of each."""
    now = utcnow()
    today = now.date()
    counts = {"shortlist_due": 0, "shortlist_overdue": 0, "sign_off_waiting": 0}
    columns = (_intake.id, _intake.title, _intake.recruiter_id, _intake.hiring_manager_id)
    soon = await session.execute(
        select(*columns, _intake.shortlist_due_date).where(
            _intake.status.in_(RUNNING),
            _intake.shortlist_due_date >= today,
            _intake.shortlist_due_date <= today + SHORTLIST_SOON,
            _not_told("intake.shortlist_due"),
        )
    )
    for row in soon:
        due = row.shortlist_due_date.isoformat()
        tell(session, "intake.shortlist_due", [row.recruiter_id], row, due_date=due)
        counts["shortlist_due"] += 1
    late = await session.execute(
        select(*columns, _intake.shortlist_due_date).where(
            _intake.status.in_(RUNNING),
            _intake.shortlist_due_date < today,
            _not_told("intake.shortlist_overdue"),
        )
    )
    for row in late:
        recipients = [row.recruiter_id, row.hiring_manager_id]
        due = row.shortlist_due_date.isoformat()
        tell(session, "intake.shortlist_overdue", recipients, row, due_date=due)
        counts["shortlist_overdue"] += 1
    waiting = await session.execute(
        select(*columns, _intake.revision, _intake.sign_offs, _intake.status_changed_at).where(
            _intake.status == IntakeStatus.IN_REVIEW,
            _intake.status_changed_at <= now - SIGN_OFF_WAIT,
            _not_told("intake.sign_off_waiting", since=_intake.status_changed_at),
        )
    )
    for review in waiting:
        signed = {s["party"] for s in review.sign_offs if s["revision"] == review.revision}
        who = {
            SignOffParty.RECRUITER: review.recruiter_id,
            SignOffParty.HIRING_MANAGER: review.hiring_manager_id,
        }
        missing = [user for party, user in who.items() if party.value not in signed]
        if missing:
            tell(session, "intake.sign_off_waiting", missing, review, revision=review.revision)
            counts["sign_off_waiting"] += 1
    await session.flush()
    return counts


async def deadlines_job(session: AsyncSession, _payload: dict[str, Any]) -> None:
    """The periodic job: intake deadlines become notification intents."""
    await notify_deadlines(session)
