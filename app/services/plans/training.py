"""Interviewer training: assigned -> studied -> shadowed -> reverse_shadowed -> qualified
(-> expired), calibration against reference ratings, and the readiness of a plan's pools."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidState,
    NotFound,
    ValidationFailed,
)
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.models.base import table_of
from app.models.identity import User
from app.models.intakes import Intake
from app.models.plans import InterviewPlan, TrainingRecord, TrainingState
from app.platform.events import record_event
from app.services.identity.access import is_staff
from app.services.plans.editing import load_plan
from app.services.plans.stages import find_stage

_training = table_of(TrainingRecord).c
_plan = table_of(InterviewPlan).c
_intake = table_of(Intake).c
_user = table_of(User).c

RESOURCE = "training"
T = TrainingState
IN_TRAINING = frozenset({T.ASSIGNED, T.STUDIED, T.SHADOWED, T.REVERSE_SHADOWED})


def _visible_records(viewer: Any) -> ColumnElement[bool]:
    """The viewer's own records and those of plans on intakes they are hiring manager of."""
    coached = (
        select(_plan.id)
        .join(Intake, _plan.intake_id == _intake.id)
        .where(_intake.hiring_manager_id == viewer)
    )
    return or_(_training.user_id == viewer, _training.plan_id.in_(coached))


TRAINING = ListQuery(
    "training",
    select(*table_of(TrainingRecord).c),
    filters={
        "user_id": lambda p: _training.user_id == p,
        "plan_id": lambda p: _training.plan_id == p,
        "state": lambda p: _training.state == p,
        "viewer": _visible_records,
    },
    orders={"id": Keyset((_training.id,), ("uuid",))},
)
# The states in which a shadow, or a reverse shadow, counts towards the next step.
SHADOWING = frozenset({T.STUDIED, T.SHADOWED})
REVERSE_SHADOWING = frozenset({T.SHADOWED, T.REVERSE_SHADOWED})


async def _plan_hiring_manager(session: AsyncSession, plan_id: uuid.UUID) -> uuid.UUID | None:
    return (
        await session.execute(
            select(_intake.hiring_manager_id)
            .join(InterviewPlan, _plan.intake_id == _intake.id)
            .where(_plan.id == plan_id)
        )
    ).scalar_one_or_none()


async def _may_coach(session: AsyncSession, principal: Principal, plan_id: uuid.UUID) -> bool:
    """Staff, and the hiring manager of the intake the plan belongs to."""
    if is_staff(principal):
        return True
    return principal.user_id is not None and principal.user_id == await _plan_hiring_manager(
        session, plan_id
    )


async def load_record(
    session: AsyncSession, principal: Principal, training_id: uuid.UUID
) -> TrainingRecord:
    record = (
        await session.execute(
            select(TrainingRecord).where(_training.id == training_id).with_for_update()
        )
    ).scalar_one_or_none()
    if record is None or not (
        record.user_id == principal.user_id or await _may_coach(session, principal, record.plan_id)
    ):
        raise NotFound(f"No training record with id {training_id}.")
    return record


async def get_training(
    session: AsyncSession, principal: Principal, training_id: uuid.UUID
) -> TrainingRecord:
    """One record: the trainee's own, or any a coach may see."""
    return await load_record(session, principal, training_id)


async def list_training(
    db: Database,
    cursors: CursorCodec,
    page: PageRequest,
    principal: Principal,
    *,
    user_id: uuid.UUID | None,
    plan_id: uuid.UUID | None,
    state: TrainingState | None,
) -> PageResult:
    """Records the caller may see: staff all; hiring managers their intakes' plans'; others own."""
    return await TRAINING.page(
        db,
        cursors,
        page,
        order="id",
        user_id=user_id,
        plan_id=plan_id,
        state=state.value if state is not None else None,
        viewer=None if is_staff(principal) else principal.user_id,
    )


async def assign(
    session: AsyncSession,
    principal: Principal,
    user_id: uuid.UUID,
    plan_id: uuid.UUID,
    stage_id: uuid.UUID,
) -> TrainingRecord:
    """Start someone's training for a stage (again, after it expired)."""
    plan = await load_plan(session, principal, plan_id)
    if not await _may_coach(session, principal, plan_id):
        raise Forbidden("Recruiters, admins and the intake's hiring manager assign training.")
    find_stage(plan.stages, stage_id)
    trainee = await session.get(User, user_id)
    if trainee is None or not trainee.is_active:
        raise ValidationFailed(
            "No such person.", errors=[FieldProblem("body.user_id", "no active user", "unknown")]
        )
    record = (
        await session.execute(
            select(TrainingRecord)
            .where(
                _training.user_id == user_id,
                _training.plan_id == plan_id,
                _training.stage_id == stage_id,
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    if record is not None and record.state != T.EXPIRED and not _lapsed(record):
        raise Conflict(
            "This person already has a training record for the stage.",
            extensions={"existing_id": str(record.id), "state": str(record.state)},
        )
    if record is None:
        record = TrainingRecord(user_id=user_id, plan_id=plan_id, stage_id=stage_id)
        session.add(record)
        await session.flush()
        _status_event(session, record, None)
    else:
        previous = record.state
        record.state, record.shadow_count, record.reverse_shadow_count = T.ASSIGNED, 0, 0
        record.studied_at = record.qualified_at = record.expires_at = None
        record.approved_by_id = None
        _status_event(session, record, previous)
    record.assigned_by_id = principal.user_id
    await session.flush()
    return record


def _status_event(session: AsyncSession, record: TrainingRecord, previous: str | None) -> None:
    record_event(
        session,
        "training.status_changed",
        (RESOURCE, record.id),
        {
            "id": str(record.id),
            "user_id": str(record.user_id),
            "plan_id": str(record.plan_id),
            "stage_id": str(record.stage_id),
            "from": str(previous) if previous else None,
            "to": str(record.state),
        },
    )


def _ensure(record: TrainingRecord, action: str, allowed: frozenset[TrainingState]) -> None:
    if record.state not in allowed:
        raise InvalidState(action, record.state, allowed)


async def advance(
    session: AsyncSession,
    principal: Principal,
    training_id: uuid.UUID,
    action: str,
    *,
    valid_for: timedelta,
) -> TrainingRecord:
    """One explicit step: mark_studied, record_shadow, record_reverse_shadow or qualify."""
    record = await load_record(session, principal, training_id)
    plan = await session.get(InterviewPlan, record.plan_id)
    assert plan is not None  # noqa: S101 - cascades keep records and plans together
    coach = await _may_coach(session, principal, record.plan_id)
    previous, now = record.state, utcnow()
    if action == "mark_studied":
        if not (coach or record.user_id == principal.user_id):
            raise Forbidden("Only the trainee or a coach marks the kit studied.")
        _ensure(record, "mark studied", frozenset({T.ASSIGNED}))
        record.state, record.studied_at = T.STUDIED, now
        if plan.shadows_required == 0:
            record.state = T.SHADOWED  # nothing to shadow for this plan
    elif not coach:
        raise Forbidden("Recruiters, admins and the intake's hiring manager record progress.")
    elif action == "record_shadow":
        _ensure(record, "record a shadow interview", SHADOWING)
        _count_shadow(record, plan, reverse=False)
    elif action == "record_reverse_shadow":
        _ensure(record, "record a reverse shadow", REVERSE_SHADOWING)
        _count_shadow(record, plan, reverse=True)
    elif action == "qualify":
        ready = {T.REVERSE_SHADOWED} | (
            {T.SHADOWED} if plan.reverse_shadows_required == 0 else set()
        )
        _ensure(record, "qualify", frozenset(ready))
        if record.user_id == principal.user_id:
            raise Forbidden("Someone else approves your qualification.")
        record.state, record.qualified_at = T.QUALIFIED, now
        record.expires_at, record.approved_by_id = now + valid_for, principal.user_id
    else:  # pragma: no cover - the router only sends the actions above
        raise ValueError(action)
    await session.flush()
    if record.state != previous:
        _status_event(session, record, previous)
        if record.state == T.QUALIFIED:
            record_event(
                session,
                "training.qualified",
                (RESOURCE, record.id),
                {
                    "id": str(record.id),
                    "user_id": str(record.user_id),
                    "plan_id": str(record.plan_id),
                    "stage_id": str(record.stage_id),
                    "approved_by_id": str(principal.user_id),
                },
            )
    return record


def _count_shadow(record: TrainingRecord, plan: InterviewPlan, *, reverse: bool) -> None:
    if reverse:
        record.reverse_shadow_count += 1
        if record.reverse_shadow_count >= plan.reverse_shadows_required:
            record.state = T.REVERSE_SHADOWED
    else:
        record.shadow_count += 1
        if record.shadow_count >= plan.shadows_required:
            record.state = T.SHADOWED


async def count_interview(
    session: AsyncSession,
    plan: InterviewPlan,
    stage_id: str,
    user_id: uuid.UUID,
    *,
    reverse: bool,
) -> dict[str, Any] | None:
    """Count a completed interview a trainee shadowed (or reverse-shadowed) on their training
    record for the stage; None when they have no record in a state where it counts."""
    record = (
        await session.execute(
            select(TrainingRecord)
            .where(
                _training.user_id == user_id,
                _training.plan_id == plan.id,
                _training.stage_id == uuid.UUID(stage_id),
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    if record is None or record.state not in (REVERSE_SHADOWING if reverse else SHADOWING):
        return None
    previous = record.state
    _count_shadow(record, plan, reverse=reverse)
    await session.flush()
    if record.state != previous:
        _status_event(session, record, previous)
    return {
        "training_id": str(record.id),
        "user_id": str(user_id),
        "state": str(record.state),
        "shadow_count": record.shadow_count,
        "reverse_shadow_count": record.reverse_shadow_count,
    }


async def qualified_for(
    session: AsyncSession, plan_id: uuid.UUID, stage_id: str, user_id: uuid.UUID
) -> bool:
    """Whether the person is qualified (and not lapsed) to lead the plan's stage."""
    record = (
        await session.execute(
            select(TrainingRecord).where(
                _training.user_id == user_id,
                _training.plan_id == plan_id,
                _training.stage_id == uuid.UUID(stage_id),
            )
        )
    ).scalar_one_or_none()
    return is_qualified(record)


async def expire_due(session: AsyncSession) -> int:
    """Move qualifications past their expiry to `expired`; how many."""
    due = (
        await session.execute(
            select(TrainingRecord)
            .where(_training.state == T.QUALIFIED, _training.expires_at <= utcnow())
            .with_for_update()
        )
    ).scalars()
    count = 0
    for record in due:
        record.state = T.EXPIRED
        count += 1
        await session.flush()
        _status_event(session, record, T.QUALIFIED)
    return count


async def expire_job(session: AsyncSession, _payload: dict[str, Any]) -> None:
    """The hourly job: qualifications past their expiry become expired."""
    await expire_due(session)


def _lapsed(record: TrainingRecord) -> bool:
    return (
        record.state == T.QUALIFIED
        and record.expires_at is not None
        and record.expires_at <= utcnow()
    )


def is_qualified(record: TrainingRecord | None) -> bool:
    """Qualified now (an expiry date in the past counts even before the job ran)."""
    if record is None or record.state != T.QUALIFIED:
        return False
    return record.expires_at is None or record.expires_at > utcnow()
