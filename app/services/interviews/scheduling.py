"""Interviews: scheduled against the intake's plan (pool members, a qualified lead or a
recorded override, nobody double-booked), rescheduled, cancelled, completed (which counts the
trainees' shadowing) or marked no-show; read by the intake's team and the panel."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidState,
    ValidationFailed,
)
from app.core.principal import Principal
from app.models.base import table_of
from app.models.candidates import Application, ApplicationStatus
from app.models.intakes import Intake, IntakeTeamMember
from app.models.interviews import Interview, InterviewParticipant, InterviewStatus, PanelRole
from app.models.plans import InterviewPlan
from app.platform.events import record_event
from app.schemas.interviews import InterviewCreate, InterviewReschedule, PanelMember
from app.services.identity.access import unrestricted
from app.services.intakes.team import team_role
from app.services.interviews import evaluations
from app.services.interviews.panels import check_free, check_panel, lock_people
from app.services.interviews.queries import not_found, panel_only
from app.services.interviews.visibility import DECISION_ROLES, PIPELINE_ROLES
from app.services.plans import training

_interview = table_of(Interview).c
_participant = table_of(InterviewParticipant).c
_member = table_of(IntakeTeamMember).c

RESOURCE = "interview"
TRAINEE_ROLES = (PanelRole.SHADOW, PanelRole.REVERSE_SHADOW)


async def _load_application(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> tuple[Application, Intake]:
    application = await session.get(Application, application_id, with_for_update=True)
    role = None
    if application is not None and not unrestricted(principal):
        role = await team_role(session, application.intake_id, principal.user_id)
    if application is None or (role is None and not unrestricted(principal)):
        raise ValidationFailed(
            "No such application.",
            errors=[FieldProblem("body.application_id", "no such application", "unknown")],
        )
    if not unrestricted(principal) and role not in PIPELINE_ROLES:
        raise Forbidden("The intake's recruiter and coordinators schedule its interviews.")
    intake = await session.get(Intake, application.intake_id)
    assert intake is not None  # noqa: S101 - foreign key
    return application, intake


async def _plan_stage(
    session: AsyncSession, intake: Intake, stage_id: uuid.UUID | str
) -> tuple[InterviewPlan, Mapping[str, Any]]:
    plan = (
        await session.get(InterviewPlan, intake.interview_plan_id)
        if intake.interview_plan_id
        else None
    )
    if plan is None:
        raise ValidationFailed(
            "The intake has no interview plan; attach one first.",
            errors=[FieldProblem("body.stage_id", "the intake has no plan", "no_plan")],
        )
    for stage in plan.stages:
        if stage["id"] == str(stage_id):
            return plan, stage
    raise ValidationFailed(
        "That is not a stage of the intake's interview plan.",
        errors=[FieldProblem("body.stage_id", "not a stage of the intake's plan", "unknown_stage")],
    )


def _panel_rows(
    interview: Interview, panel: Sequence[PanelMember], unqualified: set[uuid.UUID]
) -> list[InterviewParticipant]:
    return [
        InterviewParticipant(
            interview_id=interview.id,
            user_id=member.user_id,
            role=member.role,
            starts_at=interview.starts_at,
            ends_at=interview.ends_at,
            unqualified_lead=member.user_id in unqualified,
        )
        for member in panel
    ]


def _panel_document(participants: Sequence[InterviewParticipant]) -> list[dict[str, Any]]:
    return [
        {
            "user_id": str(p.user_id),
            "role": str(p.role),
            "unqualified_lead": p.unqualified_lead,
        }
        for p in participants
    ]


async def schedule(session: AsyncSession, principal: Principal, data: InterviewCreate) -> Interview:
    """Schedule an interview (or record a past one) and open the panel's evaluations."""
    application, intake = await _load_application(session, principal, data.application_id)
    if application.status != ApplicationStatus.ACTIVE:
        raise InvalidState("schedule an interview", application.status, {"active"})
    plan, stage = await _plan_stage(session, intake, data.stage_id)
    await lock_people(session, [m.user_id for m in data.interviewers])
    unqualified = await check_panel(
        session,
        plan=plan,
        stage=stage,
        panel=data.interviewers,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        candidate_id=application.candidate_id,
        override_reason=data.override_reason,
    )
    interview = Interview(
        application_id=application.id,
        intake_id=intake.id,
        plan_id=plan.id,
        plan_version=plan.plan_version,
        stage_id=stage["id"],
        stage_name=stage["name"],
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        timezone=data.timezone,
        location=data.location,
        video_url=str(data.video_url) if data.video_url else None,
        override_reason=data.override_reason if unqualified else None,
        scheduled_by_id=principal.user_id,
    )
    session.add(interview)
    await session.flush()
    participants = _panel_rows(interview, data.interviewers, unqualified)
    session.add_all(participants)
    interview.panel = _panel_document(participants)
    await session.flush()
    await evaluations.create_for_interview(session, interview, participants, stage, plan, intake)
    record_event(session, "interview.scheduled", (RESOURCE, interview.id), _payload(interview))
    return interview


async def _load_for_change(
    session: AsyncSession, principal: Principal, interview_id: uuid.UUID, *, panel_too: bool
) -> tuple[Interview, list[InterviewParticipant]]:
    """Lock an interview the caller may change: the recruiter and coordinators; for marking
    it held or missed also the hiring manager and the panel. Others who can see it get 403;
    everyone else 404."""
    interview = await session.get(Interview, interview_id, with_for_update=True)
    if interview is None:
        raise not_found(interview_id)
    participants = list(
        (
            await session.execute(
                select(InterviewParticipant).where(_participant.interview_id == interview.id)
            )
        ).scalars()
    )
    if unrestricted(principal):
        return interview, participants
    role = await team_role(session, interview.intake_id, principal.user_id)
    on_panel = any(p.user_id == principal.user_id for p in participants)
    if not on_panel and (role is None or panel_only(principal)):
        raise not_found(interview_id)
    if not panel_only(principal) and role in (DECISION_ROLES if panel_too else PIPELINE_ROLES):
        return interview, participants
    if panel_too and on_panel:
        return interview, participants
    raise Forbidden("The intake's recruiter and coordinators manage its interviews.")


def _ensure_scheduled(interview: Interview, action: str) -> None:
    if interview.status != InterviewStatus.SCHEDULED:
        raise InvalidState(action, interview.status, {InterviewStatus.SCHEDULED})


async def reschedule(
    session: AsyncSession,
    principal: Principal,
    interview_id: uuid.UUID,
    data: InterviewReschedule,
) -> Interview:
    """New times (and optionally place, link or panel); the calendar event is updated in
    place and pending evaluations move with the new end."""
    interview, participants = await _load_for_change(
        session, principal, interview_id, panel_too=False
    )
    _ensure_scheduled(interview, "reschedule")
    intake = await session.get(Intake, interview.intake_id)
    assert intake is not None  # noqa: S101 - foreign key
    plan = await session.get(InterviewPlan, interview.plan_id)
    stage = _stage_of(plan, interview.stage_id) if plan else None
    if plan is None or stage is None:
        raise Conflict(
            "The stage is no longer in the intake's plan; cancel and schedule a new interview."
        )
    application = await session.get(Application, interview.application_id)
    assert application is not None  # noqa: S101 - foreign key
    panel = data.interviewers or [PanelMember(user_id=p.user_id, role=p.role) for p in participants]
    unqualified = await _check_new_slot(
        session, interview, participants, panel, data, plan, stage, application.candidate_id
    )
    previous = {"starts_at": _iso(interview.starts_at), "ends_at": _iso(interview.ends_at)}
    interview.starts_at, interview.ends_at = data.starts_at, data.ends_at
    for field in ("timezone", "location"):
        if getattr(data, field) is not None:
            setattr(interview, field, getattr(data, field))
    if data.video_url is not None:
        interview.video_url = str(data.video_url)
    if data.interviewers is not None:
        interview.override_reason = data.override_reason if unqualified else None
    interview.sequence += 1
    await session.execute(
        delete(InterviewParticipant).where(_participant.interview_id == interview.id)
    )
    participants = _panel_rows(interview, panel, unqualified)
    session.add_all(participants)
    interview.panel = _panel_document(participants)
    await session.flush()
    await evaluations.sync_with_interview(session, interview, participants, stage, plan, intake)
    record_event(
        session,
        "interview.rescheduled",
        (RESOURCE, interview.id),
        {**_payload(interview), "previous": previous, "reason": data.reason},
    )
    return interview


async def _check_new_slot(
    session: AsyncSession,
    interview: Interview,
    participants: Sequence[InterviewParticipant],
    panel: list[PanelMember],
    data: InterviewReschedule,
    plan: InterviewPlan,
    stage: Mapping[str, Any],
    candidate_id: uuid.UUID,
) -> set[uuid.UUID]:
    """Everyone free at the new time (and a new panel valid); the unqualified leads."""
    await lock_people(session, [m.user_id for m in panel])
    if data.interviewers is None:
        # The same panel keeps the standing it was scheduled with.
        await check_free(session, panel, data.starts_at, data.ends_at, candidate_id, interview.id)
        return {p.user_id for p in participants if p.unqualified_lead}
    return await check_panel(
        session,
        plan=plan,
        stage=stage,
        panel=panel,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        candidate_id=candidate_id,
        override_reason=data.override_reason,
        exclude_interview_id=interview.id,
    )


async def cancel(
    session: AsyncSession, principal: Principal, interview_id: uuid.UUID, reason: str
) -> Interview:
    """Call an interview off: the event is cancelled in calendars, evaluations are not due."""
    interview, participants = await _load_for_change(
        session, principal, interview_id, panel_too=False
    )
    _ensure_scheduled(interview, "cancel")
    interview.status, interview.cancel_reason = InterviewStatus.CANCELLED, reason
    interview.cancelled_at = utcnow()
    interview.sequence += 1
    for participant in participants:
        participant.active = False  # the time is free again
    await session.flush()
    await evaluations.cancel_for_interview(session, interview)
    record_event(
        session,
        "interview.cancelled",
        (RESOURCE, interview.id),
        {**_payload(interview), "reason": reason},
    )
    return interview


async def complete(
    session: AsyncSession, principal: Principal, interview_id: uuid.UUID
) -> tuple[Interview, list[dict[str, Any]]]:
    """Mark an interview held; trainees on the panel get the shadow counted."""
    interview, participants = await _load_for_change(
        session, principal, interview_id, panel_too=True
    )
    _ensure_scheduled(interview, "complete")
    _ensure_started(interview, "completed")
    interview.status, interview.completed_at = InterviewStatus.COMPLETED, utcnow()
    await session.flush()
    plan = await session.get(InterviewPlan, interview.plan_id)
    assert plan is not None  # noqa: S101 - foreign key
    updates = []
    for participant in participants:
        if participant.role in TRAINEE_ROLES:
            counted = await training.count_interview(
                session,
                plan,
                interview.stage_id,
                participant.user_id,
                reverse=participant.role is PanelRole.REVERSE_SHADOW,
            )
            if counted is not None:
                updates.append(counted)
    record_event(
        session,
        "interview.completed",
        (RESOURCE, interview.id),
        {**_payload(interview), "training_updates": updates},
    )
    return interview, updates


async def mark_no_show(
    session: AsyncSession, principal: Principal, interview_id: uuid.UUID
) -> Interview:
    """The candidate did not come: nothing to evaluate."""
    interview, _participants = await _load_for_change(
        session, principal, interview_id, panel_too=True
    )
    _ensure_scheduled(interview, "mark a no-show")
    _ensure_started(interview, "marked a no-show")
    interview.status, interview.completed_at = InterviewStatus.NO_SHOW, utcnow()
    await session.flush()
    await evaluations.cancel_for_interview(session, interview)
    record_event(session, "interview.no_show", (RESOURCE, interview.id), _payload(interview))
    return interview


def _ensure_started(interview: Interview, what: str) -> None:
    if interview.starts_at > utcnow():
        raise Conflict(
            f"The interview has not started yet, so it cannot be {what}.",
            extensions={"starts_at": _iso(interview.starts_at)},
        )


def _stage_of(plan: InterviewPlan, stage_id: str) -> Mapping[str, Any] | None:
    return next((s for s in plan.stages if s["id"] == stage_id), None)


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _payload(interview: Interview) -> dict[str, Any]:
    return {
        "id": str(interview.id),
        "application_id": str(interview.application_id),
        "intake_id": str(interview.intake_id),
        "stage_id": interview.stage_id,
        "plan_version": interview.plan_version,
        "starts_at": _iso(interview.starts_at),
        "ends_at": _iso(interview.ends_at),
        "status": str(interview.status),
        "interviewers": interview.panel,
        "override_reason": interview.override_reason,
    }
