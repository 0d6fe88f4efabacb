"""Evaluations (scorecards): created with an interview's panel, kept in step with reschedules
and cancellations, saved as drafts, submitted once, and amended with history afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.errors import FieldProblem, Forbidden, InvalidState, ValidationFailed
from app.core.etag import require_match
from app.core.principal import Principal
from app.models.base import table_of
from app.models.intakes import Intake
from app.models.interviews import (
    Evaluation,
    EvaluationAmendment,
    EvaluationStatus,
    Interview,
    InterviewParticipant,
    PanelRole,
    Recommendation,
)
from app.models.plans import InterviewPlan
from app.platform.events import record_event
from app.schemas.evaluations import EvaluationAmend, EvaluationUpdate
from app.services.interviews import reminders as _reminders  # noqa: F401 - registers its job
from app.services.interviews.evaluation_queries import (
    OPEN,
    amendments_of,
    can_see,
    not_found,
    read_values,
    row_of,
)

_evaluation = table_of(Evaluation).c

RESOURCE = "evaluation"
S = EvaluationStatus
FIRST_REMINDER_AFTER = timedelta(hours=1)
# Trainees owe a scorecard only when the plan says so; leads and interviewers always do.
ALWAYS_EVALUATE = (PanelRole.LEAD, PanelRole.INTERVIEWER)
RATE_OR_SKIP = "rate 1-4 or mark not assessed"


# --- Following the interview -----------------------------------------------------------------


def _evaluates(participant: InterviewParticipant, plan: InterviewPlan) -> bool:
    return participant.active and (
        participant.role in ALWAYS_EVALUATE or bool(plan.shadows_evaluate)
    )


def scorecard(stage: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The competencies a stage asks about, as a scorecard keeps them."""
    return [{"id": str(c["id"]), "name": c["name"]} for c in stage.get("competencies", [])]


def _schedule(evaluation: Evaluation, ends_at: datetime, sla_hours: int) -> None:
    """Deadlines from the interview's end; the reminder markers start again."""
    sla = timedelta(hours=sla_hours)
    evaluation.feedback_sla_hours = sla_hours
    evaluation.due_at = ends_at + sla
    evaluation.escalates_at = ends_at + 2 * sla
    evaluation.next_reminder_at = ends_at + FIRST_REMINDER_AFTER
    evaluation.reminders_sent = 0
    evaluation.overdue_notified_at = evaluation.escalated_at = None


def _new_evaluation(
    interview: Interview,
    participant: InterviewParticipant,
    stage: Mapping[str, Any],
    intake: Intake,
) -> Evaluation:
    evaluation = Evaluation(
        interview_id=interview.id,
        application_id=interview.application_id,
        intake_id=intake.id,
        interviewer_id=participant.user_id,
        panel_role=participant.role,
        stage_id=str(stage["id"]),
        competencies=scorecard(stage),
        feedback_sla_hours=intake.feedback_sla_hours,
        due_at=interview.ends_at,
        escalates_at=interview.ends_at,
    )
    _schedule(evaluation, interview.ends_at, intake.feedback_sla_hours)
    return evaluation


async def create_for_interview(
    session: AsyncSession,
    interview: Interview,
    participants: list[InterviewParticipant],
    stage: Mapping[str, Any],
    plan: InterviewPlan,
    intake: Intake,
) -> list[Evaluation]:
    """One pending evaluation per panel member who owes one (none for a stage that needs no
    evaluation)."""
    if not stage.get("evaluation_required", True):
        return []
    created = [
        _new_evaluation(interview, p, stage, intake) for p in participants if _evaluates(p, plan)
    ]
    session.add_all(created)
    await session.flush()
    return created


async def _of_interview(session: AsyncSession, interview_id: uuid.UUID) -> list[Evaluation]:
    return list(
        (
            await session.execute(
                select(Evaluation)
                .where(_evaluation.interview_id == interview_id)
                .order_by(_evaluation.id)
                .with_for_update()
            )
        ).scalars()
    )


def _cancel(evaluation: Evaluation) -> None:
    evaluation.status = S.CANCELLED
    evaluation.next_reminder_at = None


async def sync_with_interview(
    session: AsyncSession,
    interview: Interview,
    participants: list[InterviewParticipant],
    stage: Mapping[str, Any],
    plan: InterviewPlan,
    intake: Intake,
) -> None:
    """After a reschedule or a panel change: new deadlines for what is still owed, new
    evaluations for new members, cancelled ones for members who left. Submitted evaluations
    are never touched."""
    existing = {e.interviewer_id: e for e in await _of_interview(session, interview.id)}
    owing = (
        {p.user_id: p for p in participants if _evaluates(p, plan)}
        if stage.get("evaluation_required", True)
        else {}
    )
    for user_id, evaluation in existing.items():
        if evaluation.status == S.SUBMITTED:
            continue
        member = owing.get(user_id)
        if member is None:
            _cancel(evaluation)
            continue
        if evaluation.status == S.CANCELLED:  # removed earlier, back on the panel now
            started = evaluation.ratings or evaluation.recommendation or evaluation.summary
            evaluation.status = S.DRAFT if started else S.PENDING
        evaluation.panel_role = member.role
        _schedule(evaluation, interview.ends_at, intake.feedback_sla_hours)
    session.add_all(
        _new_evaluation(interview, p, stage, intake)
        for user_id, p in owing.items()
        if user_id not in existing
    )
    await session.flush()


async def cancel_for_interview(session: AsyncSession, interview: Interview) -> None:
    """The interview was cancelled or the candidate did not show: nothing is owed any more."""
    for evaluation in await _of_interview(session, interview.id):
        if evaluation.status in OPEN:
            _cancel(evaluation)
    await session.flush()


# --- The interviewer's own changes -----------------------------------------------------------


async def _load_own(
    session: AsyncSession, principal: Principal, evaluation_id: uuid.UUID
) -> Evaluation:
    """Lock the caller's own evaluation: 403 for one they may only read, 404 otherwise."""
    evaluation = (
        await session.execute(
            select(Evaluation).where(_evaluation.id == evaluation_id).with_for_update()
        )
    ).scalar_one_or_none()
    if evaluation is None:
        raise not_found(evaluation_id)
    if principal.user_id is not None and evaluation.interviewer_id == principal.user_id:
        return evaluation
    if await can_see(session, principal, evaluation):
        raise Forbidden("Only the interviewer who owes an evaluation writes or amends it.")
    raise not_found(evaluation_id)


def _content(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "ratings": [dict(r) for r in evaluation.ratings],
        "recommendation": str(evaluation.recommendation) if evaluation.recommendation else None,
        "summary": evaluation.summary,
    }


def _merged(evaluation: Evaluation, data: EvaluationUpdate) -> dict[str, Any]:
    """The content after applying a partial update: ratings sent replace those of the same
    competencies (422 naming each rating of a competency the scorecard does not ask about)."""
    content = _content(evaluation)
    incoming = data.model_dump(
        mode="json", exclude_unset=True, include={"recommendation", "summary"}
    )
    if "ratings" in data.model_fields_set:
        asked = [str(c["id"]) for c in evaluation.competencies]
        # Each rating whole (a rating sent without `notes` stores `notes: null`).
        sent = [r.model_dump(mode="json") for r in data.ratings or []]
        problems = [
            FieldProblem(
                f"body.ratings.{i}.competency_id",
                "not a competency of this scorecard",
                "unknown_competency",
            )
            for i, rating in enumerate(sent)
            if rating["competency_id"] not in asked
        ]
        if problems:
            raise ValidationFailed(
                "Rate only the competencies this interview assesses.",
                errors=problems,
                extensions={"competency_ids": asked},
            )
        ratings = {r["competency_id"]: r for r in content["ratings"]}
        ratings.update({r["competency_id"]: r for r in sent})
        content["ratings"] = [ratings[cid] for cid in asked if cid in ratings]
    content.update(incoming)
    return content


def _missing(evaluation: Evaluation, content: Mapping[str, Any]) -> list[FieldProblem]:
    """What a complete evaluation still lacks: a rating (or not assessed) for every
    competency, and a recommendation."""
    given = {r["competency_id"]: r for r in content["ratings"]}
    problems = []
    for competency in evaluation.competencies:
        rating = given.get(str(competency["id"]))
        if rating is None or (rating.get("rating") is None and not rating.get("not_assessed")):
            problems.append(FieldProblem(f"ratings.{competency['id']}", RATE_OR_SKIP, "missing"))
    if content["recommendation"] is None:
        problems.append(FieldProblem("recommendation", "required", "missing"))
    return problems


def _apply(evaluation: Evaluation, content: Mapping[str, Any]) -> None:
    evaluation.ratings = list(content["ratings"])
    recommendation = content["recommendation"]
    evaluation.recommendation = Recommendation(recommendation) if recommendation else None
    evaluation.summary = content["summary"]


async def view(
    session: AsyncSession, principal: Principal, evaluation: Evaluation
) -> dict[str, Any]:
    """The evaluation as its author sees it after a change (flushed, so the version is new)."""
    await session.flush()
    amendments = await amendments_of(session, evaluation.id) if evaluation.amendment_count else []
    return read_values(row_of(evaluation), principal.user_id, amendments)


async def save_draft(
    session: AsyncSession,
    principal: Principal,
    evaluation_id: uuid.UUID,
    if_match: list[str] | None,
    data: EvaluationUpdate,
) -> dict[str, Any]:
    """Save the author's draft (If-Match); a submitted evaluation changes only by amendment."""
    evaluation = await _load_own(session, principal, evaluation_id)
    require_match(if_match, evaluation.version)
    if evaluation.status not in OPEN:
        error = InvalidState("edit", evaluation.status, OPEN)
        if evaluation.status == S.SUBMITTED:
            error.detail += f" Amend it instead: POST /api/v1/evaluations/{evaluation.id}/amend."
        raise error
    content = _merged(evaluation, data)
    if content != _content(evaluation) or evaluation.status == S.PENDING:
        _apply(evaluation, content)
        evaluation.status = S.DRAFT
    return await view(session, principal, evaluation)


def _payload(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "id": str(evaluation.id),
        "interview_id": str(evaluation.interview_id),
        "application_id": str(evaluation.application_id),
        "intake_id": str(evaluation.intake_id),
        "interviewer_id": str(evaluation.interviewer_id),
        "stage_id": evaluation.stage_id,
        "recommendation": str(evaluation.recommendation) if evaluation.recommendation else None,
    }


async def submit(
    session: AsyncSession, principal: Principal, evaluation_id: uuid.UUID
) -> dict[str, Any]:
    """Submit a complete evaluation; it is immutable from now on. Turnaround and on-time are
    stored with it (422 listing everything still missing)."""
    evaluation = await _load_own(session, principal, evaluation_id)
    if evaluation.status not in OPEN:
        raise InvalidState("submit", evaluation.status, OPEN)
    problems = _missing(evaluation, _content(evaluation))
    if problems:
        raise ValidationFailed("The evaluation is not complete.", errors=problems)
    interview = await session.get(Interview, evaluation.interview_id)
    assert interview is not None  # noqa: S101 - foreign key
    now = utcnow()
    evaluation.status, evaluation.submitted_at = S.SUBMITTED, now
    # Submitted before the interview officially ended (it ran short): no negative turnaround.
    evaluation.turnaround_seconds = max(0, int((now - interview.ends_at).total_seconds()))
    evaluation.on_time = now <= evaluation.due_at
    evaluation.next_reminder_at = None
    await session.flush()
    record_event(
        session,
        "evaluation.submitted",
        (RESOURCE, evaluation.id),
        {
            **_payload(evaluation),
            "on_time": evaluation.on_time,
            "turnaround_seconds": evaluation.turnaround_seconds,
            "submitted_at": now.isoformat(),
        },
    )
    return await view(session, principal, evaluation)


async def amend(
    session: AsyncSession, principal: Principal, evaluation_id: uuid.UUID, data: EvaluationAmend
) -> dict[str, Any]:
    """Change a submitted evaluation: the previous content and the reason are kept; the result
    must still be complete. Submission time, turnaround and on-time do not change."""
    evaluation = await _load_own(session, principal, evaluation_id)
    if evaluation.status != S.SUBMITTED:
        raise InvalidState("amend", evaluation.status, {S.SUBMITTED})
    before = _content(evaluation)
    after = _merged(evaluation, data)
    problems = _missing(evaluation, after)
    if problems:
        raise ValidationFailed("The amended evaluation would not be complete.", errors=problems)
    if after == before:
        raise ValidationFailed(
            "The amendment changes nothing.",
            errors=[
                FieldProblem("body", "change the ratings, recommendation or summary", "no_change")
            ],
        )
    amendment = EvaluationAmendment(
        evaluation_id=evaluation.id,
        amended_at=utcnow(),
        amended_by_id=principal.user_id,
        reason=data.reason,
        before=before,
        after=after,
    )
    session.add(amendment)
    _apply(evaluation, after)
    evaluation.amendment_count += 1
    await session.flush()
    record_event(
        session,
        "evaluation.amended",
        (RESOURCE, evaluation.id),
        {
            **_payload(evaluation),
            "amendment_id": str(amendment.id),
            "reason": data.reason,
            "previous_recommendation": before["recommendation"],
            "amendment_count": evaluation.amendment_count,
        },
    )
    return await view(session, principal, evaluation)
