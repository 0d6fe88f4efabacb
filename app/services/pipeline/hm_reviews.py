"""The hiring manager's review of shortlisted candidates: the queue, the decision (advance to
a plan stage or reject) and the `hm_review.due` reminder for reviews past their SLA."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import FieldProblem, Forbidden, InvalidState, ValidationFailed
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.models.base import table_of
from app.models.candidates import Application, ApplicationStatus
from app.models.interviews import NotificationIntent
from app.platform.events import record_event
from app.services.identity.access import unrestricted
from app.services.pipeline.application_queries import REVIEW_STAGES, read_values
from app.services.pipeline.applications import (
    RESOURCE,
    close,
    ensure_active,
    load_for_change,
    move_decided,
    payload,
    plan_stage_ids,
    valid_stage,
)

_application = table_of(Application).c
# An OR of equalities rather than IN: compiled statements cannot hold expanding parameters.
_in_review = or_(*(_application.stage == stage for stage in REVIEW_STAGES))

QUEUE = ListQuery(
    "review_queue",
    select(*table_of(Application).c).where(
        _in_review,
        _application.status == ApplicationStatus.ACTIVE.value,
        _application.hm_reviewed_at.is_(None),
    ),
    filters={"hiring_manager_id": lambda p: _application.hiring_manager_id == p},
    orders={"due": Keyset((_application.hm_review_due_at, _application.id), ("datetime", "uuid"))},
)


async def review_queue(
    db: Database, cursors: CursorCodec, page: PageRequest, principal: Principal
) -> PageResult:
    """Shortlisted applications waiting for the caller's review, soonest due first."""
    result = await QUEUE.page(db, cursors, page, order="due", hiring_manager_id=principal.user_id)
    return PageResult([read_values(row) for row in result.rows], result.next_cursor)


async def hm_review(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    *,
    decision: str,
    stage: str | None,
    reason_code: str | None,
    note: str | None,
) -> Application:
    """The intake's hiring manager advances or rejects a shortlisted candidate."""
    application, intake = await load_for_change(session, principal, application_id)
    if principal.user_id != intake.hiring_manager_id and not unrestricted(principal):
        raise Forbidden("The intake's hiring manager reviews its shortlist.")
    ensure_active(application, "review")
    if application.stage not in REVIEW_STAGES:
        raise InvalidState("review", application.stage, REVIEW_STAGES)
    application.hm_reviewed_at = utcnow()
    if decision == "reject":
        if reason_code is None:
            raise ValidationFailed(
                "Say why the candidate is rejected.",
                errors=[FieldProblem("body.reason_code", "required to reject", "missing")],
            )
        return await close(
            session,
            principal,
            application_id,
            ApplicationStatus.REJECTED,
            reason_code=reason_code,
            note=note,
            hm_too=True,
        )
    stages = await plan_stage_ids(session, intake)
    target = stage or (stages[0] if stages else None)
    if target is None or target in (*REVIEW_STAGES, "applied"):
        raise ValidationFailed(
            "Say which stage the candidate goes to next.",
            errors=[FieldProblem("body.stage", "a stage of the intake's plan", "missing")],
        )
    target = await valid_stage(session, intake, target, "body.stage")
    await move_decided(session, application, intake, target, note)
    return application


async def notify_due_reviews(session: AsyncSession) -> int:
    """Record `hm_review.due` (an event and a notification intent for the hiring manager)
    once for every review that passed its due time."""
    now = utcnow()
    due = (
        await session.execute(
            select(Application)
            .where(
                _application.stage.in_(REVIEW_STAGES),
                _application.status == ApplicationStatus.ACTIVE.value,
                _application.hm_reviewed_at.is_(None),
                _application.hm_review_due_at < now,
                _application.hm_review_due_notified_at.is_(None),
            )
            .with_for_update(skip_locked=True)
        )
    ).scalars()
    count = 0
    for application in due:
        application.hm_review_due_notified_at = now
        details = {
            **payload(application),
            "hiring_manager_id": str(application.hiring_manager_id),
            "due_at": application.hm_review_due_at.isoformat()
            if application.hm_review_due_at
            else None,
        }
        record_event(session, "hm_review.due", (RESOURCE, application.id), details)
        # What the hiring manager should be told; the notifications feature delivers it.
        session.add(
            NotificationIntent(
                kind="hm_review.due",
                recipient_id=application.hiring_manager_id,
                subject_type=RESOURCE,
                subject_id=application.id,
                payload=details,
            )
        )
        count += 1
    await session.flush()
    return count


async def notify_job(session: AsyncSession, _payload: dict[str, Any]) -> None:
    """The periodic job: reviews that fell due are announced."""
    await notify_due_reviews(session)
