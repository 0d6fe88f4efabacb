"""Decisions after the debrief: advance, reject or hire, recorded with the rationale, moving the
application to match."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.errors import (
    Conflict,
    FieldProblem,
    Forbidden,
    InvalidState,
    PreconditionRequired,
    ValidationFailed,
)
from app.core.etag import require_match
from app.core.principal import Principal
from app.models.candidates import Application, ApplicationStatus, RejectionReason
from app.models.intakes import Intake
from app.models.interviews import (
    ApplicationDecision,
    Decision,
)
from app.platform.events import record_event
from app.schemas.applications import FIXED_STAGES
from app.schemas.evaluations import DecisionCreate
from app.services.interviews.debriefs import caller_standing, not_found
from app.services.pipeline import application_queries, applications


async def decide(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    body: DecisionCreate,
    if_match: list[str] | None = None,
) -> ApplicationDecision:
    """Record the debrief's decision and move the application to match it.

    A decision names the stage it is about (`from_stage`) or carries `If-Match`: two people
    deciding at once, or a client sending its decision twice, must not move the application
    twice."""
    application, intake = await _load_for_decision(session, principal, application_id)
    if body.from_stage is None and if_match is None:
        raise PreconditionRequired(
            "Name the stage this decision is about (`from_stage`, the application's current "
            "stage) or send If-Match with the application's ETag."
        )
    if if_match is not None:
        require_match(if_match, application.version)
    if body.from_stage is not None and body.from_stage != application.stage:
        raise Conflict(
            f"The application is no longer at {body.from_stage!r}: that stage was decided "
            "already or the application moved on.",
            extensions={"current_stage": application.stage},
        )
    _check_fields(body)
    from_stage, now = application.stage, utcnow()
    if (
        from_stage in application_queries.REVIEW_STAGES
        and application.hm_reviewed_at is None
        and principal.user_id == intake.hiring_manager_id
    ):
        # The hiring manager deciding on a shortlisted candidate is their review.
        application.hm_reviewed_at = now
    to_stage, reason_code = await _carry_out(session, principal, application, intake, body)
    decision = ApplicationDecision(
        application_id=application.id,
        decision=body.decision,
        rationale=body.rationale,
        from_stage=from_stage,
        to_stage=to_stage,
        reason_code=reason_code,
        decided_by_id=principal.user_id,
        decided_by_api_client_id=principal.api_client_id,
        decided_at=now,
    )
    session.add(decision)
    await session.flush()
    _record_decided(session, principal, application, decision)
    return decision


async def _load_for_decision(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> tuple[Application, Intake]:
    """The active application, locked, and its intake; only its deciders may go on."""
    application = await session.get(Application, application_id, with_for_update=True)
    if application is None:
        raise not_found(application_id)
    standing_of_caller = await caller_standing(session, principal, application)
    if standing_of_caller is None:
        raise not_found(application_id)
    if standing_of_caller != "deciders":
        raise Forbidden("The intake's hiring manager, recruiter and coordinators decide.")
    intake = await session.get(Intake, application.intake_id)
    assert intake is not None  # noqa: S101 - foreign key
    if application.status != ApplicationStatus.ACTIVE:
        raise InvalidState("decide", application.status, {ApplicationStatus.ACTIVE})
    return application, intake


async def _carry_out(
    session: AsyncSession,
    principal: Principal,
    application: Application,
    intake: Intake,
    body: DecisionCreate,
) -> tuple[str, str | None]:
    """Move or close the application as decided; the stage it ends in and the reason code."""
    if body.decision is Decision.ADVANCE:
        to_stage = await _advance_target(session, intake, application.stage, body.stage)
        await applications.move_decided(session, application, intake, to_stage, body.rationale)
        return to_stage, None
    status = (
        ApplicationStatus.REJECTED if body.decision is Decision.REJECT else ApplicationStatus.HIRED
    )
    reason_code = None
    if status is ApplicationStatus.REJECTED:
        reason_code = (body.reason_code or RejectionReason.NOT_QUALIFIED).value
    # The decision team includes the hiring manager, so close() lets the HM act here.
    await applications.close(
        session,
        principal,
        application.id,
        status,
        reason_code=reason_code,
        note=body.rationale,
        hm_too=True,
    )
    return str(status), reason_code


def _record_decided(
    session: AsyncSession,
    principal: Principal,
    application: Application,
    decision: ApplicationDecision,
) -> None:
    record_event(
        session,
        "debrief.decided",
        (applications.RESOURCE, application.id),
        {
            "id": str(decision.id),
            "application_id": str(application.id),
            "intake_id": str(application.intake_id),
            "decision": decision.decision.value,
            "from": decision.from_stage,
            "to": decision.to_stage,
            "reason_code": decision.reason_code,
            "decided_by": str(principal.user_id) if principal.user_id else None,
            "decided_by_api_client_id": str(principal.api_client_id)
            if principal.api_client_id
            else None,
        },
    )


def _check_fields(body: DecisionCreate) -> None:
    """`stage` belongs to advance and `reason_code` to reject: elsewhere they are mistakes."""
    problems = []
    if body.stage is not None and body.decision is not Decision.ADVANCE:
        problems.append(FieldProblem("body.stage", "only for decision advance", "not_allowed"))
    if body.reason_code is not None and body.decision is not Decision.REJECT:
        problems.append(FieldProblem("body.reason_code", "only for decision reject", "not_allowed"))
    if problems:
        raise ValidationFailed("The decision has fields that do not apply to it.", errors=problems)


async def _advance_target(
    session: AsyncSession, intake: Intake, current: str, named: str | None
) -> str:
    """The named plan stage (forwards only), or the plan stage after the current one."""
    stages = await applications.plan_stage_ids(session, intake)
    position = stages.index(current) if current in stages else -1
    if named is not None:
        if named not in stages:
            raise ValidationFailed(
                f"{named!r} is not a stage of this intake's interview plan.",
                errors=[FieldProblem("body.stage", "a stage id of the intake's plan", "unknown")],
            )
        if stages.index(named) <= position:
            raise ValidationFailed(
                "Advancing moves forwards; move the application to go back.",
                errors=[FieldProblem("body.stage", "a later stage of the plan", "not_forward")],
            )
        return named
    # From applied or review, or a stage no longer in the plan: the plan's first stage.
    if current in FIXED_STAGES or position == -1:
        if not stages:
            raise ValidationFailed(
                "The intake has no interview plan to advance through.",
                errors=[FieldProblem("body.decision", "no plan stages", "no_plan")],
            )
        return stages[0]
    if position + 1 >= len(stages):
        raise ValidationFailed(
            "The application is at the plan's last stage: decide to hire, or name a stage.",
            errors=[FieldProblem("body.stage", "required after the last stage", "last_stage")],
        )
    return stages[position + 1]
