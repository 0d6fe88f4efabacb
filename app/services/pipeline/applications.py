"""Applications: the pipeline. Explicit moves with history, HM review against its SLA,
rejection, withdrawal and hire."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.context import current_actor
from app.core.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidState,
    ValidationFailed,
)
from app.core.principal import Principal
from app.models.base import table_of
from app.models.candidates import Application, ApplicationStatus, Candidate, StageChange
from app.models.intakes import Intake, IntakeStatus, IntakeTeamMember, TeamRole
from app.models.plans import InterviewPlan
from app.platform.events import record_event
from app.schemas.applications import FIXED_STAGES
from app.services.identity.access import unrestricted
from app.services.intakes.team import team_role
from app.services.interviews.visibility import on_panel_of_application
from app.services.pipeline.application_queries import REVIEW_STAGES, not_found

_application = table_of(Application).c
_change = table_of(StageChange).c
_member = table_of(IntakeTeamMember).c

RESOURCE = "application"
OPEN_FOR_APPLICATIONS = frozenset({IntakeStatus.AGREED, IntakeStatus.OPEN, IntakeStatus.ON_HOLD})
# Team roles that run the pipeline (hiring managers review; interviewers only read).
PIPELINE_ROLES = (TeamRole.RECRUITER, TeamRole.COORDINATOR)


# --- Changing ---------------------------------------------------------------------------------


async def _ensure_runs_pipeline(
    session: AsyncSession, principal: Principal, intake_id: uuid.UUID, *, hm_too: bool = False
) -> None:
    """Recruiters and coordinators on the team (and admins, integrations) run the pipeline."""
    if unrestricted(principal):
        return
    role = await team_role(session, intake_id, principal.user_id)
    allowed = PIPELINE_ROLES + ((TeamRole.HIRING_MANAGER,) if hm_too else ())
    if role not in allowed:
        raise Forbidden("The intake's recruiter and coordinators run its pipeline.")


async def plan_stage_ids(session: AsyncSession, intake: Intake) -> list[str]:
    """The ids of the intake plan's stages, in order (empty without a plan)."""
    if intake.interview_plan_id is None:
        return []
    plan = await session.get(InterviewPlan, intake.interview_plan_id)
    return [s["id"] for s in plan.stages] if plan else []


async def valid_stage(session: AsyncSession, intake: Intake, stage: str, location: str) -> str:
    if stage in FIXED_STAGES or stage in await plan_stage_ids(session, intake):
        return stage
    raise ValidationFailed(
        f"{stage!r} is not a stage of this intake.",
        errors=[
            FieldProblem(
                location,
                "use applied, shortlisted, hm_review or a stage id of the intake's plan",
                "unknown_stage",
            )
        ],
    )


def stage_change(
    application: Application,
    from_stage: str | None,
    to: str,
    reason: str | None = None,
    *,
    at: datetime,
) -> StageChange:
    """A history row for a move, attributed to whoever is acting in this request or job."""
    actor = current_actor()
    return StageChange(
        application_id=application.id,
        from_stage=from_stage,
        to_stage=to,
        by_user_id=actor.user_id if actor else None,
        by_api_client_id=actor.api_client_id if actor else None,
        reason=reason,
        at=at,
    )


async def intake_taking_candidates(
    session: AsyncSession, principal: Principal, intake_id: uuid.UUID
) -> Intake:
    """The intake, if the caller runs its pipeline and it takes candidates (422 for an intake
    the caller cannot see, 403 for a team member who does not run it, 409 when not open)."""
    intake = await session.get(Intake, intake_id)
    if intake is None or (
        not unrestricted(principal)
        and await team_role(session, intake_id, principal.user_id) is None
    ):
        raise ValidationFailed(
            "No such intake.", errors=[FieldProblem("body.intake_id", "no such intake", "unknown")]
        )
    await _ensure_runs_pipeline(session, principal, intake_id)
    if intake.status not in OPEN_FOR_APPLICATIONS:
        raise InvalidState("add candidates", intake.status, OPEN_FOR_APPLICATIONS)
    return intake


async def create_application(
    session: AsyncSession,
    principal: Principal,
    candidate_id: uuid.UUID,
    intake_id: uuid.UUID,
    *,
    stage: str = "applied",
    source: str | None = None,
) -> Application:
    """Put a candidate in an intake's pipeline (one active application per intake)."""
    intake = await intake_taking_candidates(session, principal, intake_id)
    if await session.get(Candidate, candidate_id) is None:
        raise ValidationFailed(
            "No such candidate.",
            errors=[FieldProblem("body.candidate_id", "no such candidate", "unknown")],
        )
    stage = await valid_stage(session, intake, stage, "body.stage")
    existing = (
        await session.execute(
            select(_application.id).where(
                _application.candidate_id == candidate_id,
                _application.intake_id == intake_id,
                _application.status == ApplicationStatus.ACTIVE.value,
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise Conflict(
            "The candidate already has an active application for this intake.",
            extensions={"existing_id": str(existing)},
        )
    now = utcnow()
    application = Application(
        candidate_id=candidate_id,
        intake_id=intake_id,
        recruiter_id=intake.recruiter_id,
        hiring_manager_id=intake.hiring_manager_id,
        stage="applied",
        source=source,
        applied_at=now,
        stage_changed_at=now,
    )
    session.add(application)
    try:
        await session.flush()
    except IntegrityError:  # a concurrent request created it first
        raise Conflict("The candidate already has an active application for this intake.") from None
    session.add(stage_change(application, None, "applied", at=now))
    record_created(session, application)
    if stage != "applied":
        await _move(session, application, intake, stage, None)
    return application


async def load_for_change(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> tuple[Application, Intake]:
    """Lock an application the caller may see."""
    application = (
        await session.execute(
            select(Application).where(_application.id == application_id).with_for_update()
        )
    ).scalar_one_or_none()
    if application is None or not (
        unrestricted(principal)
        or await team_role(session, application.intake_id, principal.user_id) is not None
        or await _on_panel(session, application.id, principal)
    ):
        raise not_found(application_id)
    intake = await session.get(Intake, application.intake_id)
    assert intake is not None  # noqa: S101 - foreign key
    return application, intake


async def _on_panel(session: AsyncSession, application_id: uuid.UUID, principal: Principal) -> bool:
    return bool(
        (
            await session.execute(
                select(on_panel_of_application(bindparam("a", application_id), principal.user_id))
            )
        ).scalar()
    )


def ensure_active(application: Application, action: str) -> None:
    if application.status != ApplicationStatus.ACTIVE:
        raise InvalidState(action, application.status, {ApplicationStatus.ACTIVE})


async def _move(
    session: AsyncSession, application: Application, intake: Intake, to: str, reason: str | None
) -> None:
    previous, now = application.stage, utcnow()
    session.add(stage_change(application, previous, to, reason, at=now))
    application.stage, application.stage_changed_at = to, now
    # Entering review from outside (shortlisted, or straight to hm_review) starts the SLA clock.
    if to in REVIEW_STAGES and previous not in REVIEW_STAGES:
        application.shortlisted_at = now
        application.hm_review_due_at = now + timedelta(hours=intake.hm_review_sla_hours)
        application.hm_reviewed_at = application.hm_review_due_notified_at = None
    await session.flush()
    record_event(
        session,
        "application.stage_changed",
        (RESOURCE, application.id),
        {**payload(application), "from": previous, "to": to},
    )


async def move(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    stage: str,
    reason: str | None,
) -> Application:
    """Move an active application to another (non-terminal) stage."""
    application, intake = await load_for_change(session, principal, application_id)
    await _ensure_runs_pipeline(session, principal, intake.id)
    ensure_active(application, "move")
    stage = await valid_stage(session, intake, stage, "body.stage")
    if stage == application.stage:
        return application
    await _move(session, application, intake, stage, reason)
    return application


async def move_decided(
    session: AsyncSession, application: Application, intake: Intake, to: str, reason: str | None
) -> None:
    """Move an application whose move the caller already authorised and checked (a debrief
    decision): history, review clock and event as for any move."""
    await _move(session, application, intake, to, reason)


async def close(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    status: ApplicationStatus,
    *,
    reason_code: str | None = None,
    note: str | None = None,
    hm_too: bool = False,
) -> Application:
    """Reject, withdraw or hire: the application leaves the pipeline."""
    application, intake = await load_for_change(session, principal, application_id)
    await _ensure_runs_pipeline(session, principal, intake.id, hm_too=hm_too)
    ensure_active(application, {"rejected": "reject", "withdrawn": "withdraw"}.get(status, "hire"))
    stage = str(status)
    previous, now = application.stage, utcnow()
    session.add(stage_change(application, previous, stage, note, at=now))
    application.stage, application.status = stage, status
    application.stage_changed_at = application.closed_at = now
    application.reason_code, application.reason_note = reason_code, note
    await session.flush()
    moved = {**payload(application), "from": previous, "to": stage}
    record_event(session, "application.stage_changed", (RESOURCE, application.id), moved)
    if status == ApplicationStatus.REJECTED:
        record_event(
            session,
            "application.rejected",
            (RESOURCE, application.id),
            {**moved, "reason_code": reason_code},
        )
    elif status == ApplicationStatus.HIRED:
        record_event(session, "application.hired", (RESOURCE, application.id), moved)
    return application


def record_created(session: AsyncSession, application: Application) -> None:
    """Record `application.created` for a new application."""
    record_event(session, "application.created", (RESOURCE, application.id), payload(application))


def payload(application: Application) -> dict[str, Any]:
    """The common fields of every application event."""
    return {
        "id": str(application.id),
        "candidate_id": str(application.candidate_id),
        "intake_id": str(application.intake_id),
        "stage": application.stage,
        "status": str(application.status),
    }
