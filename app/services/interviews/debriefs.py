"""Debriefs: the panel's evaluations of one application put together (ratings per competency,
recommendation tally, disagreements, missing and late scorecards), and the decision that
closes the debrief (advance, reject or hire) with the application moved to match."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Uuid, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.errors import Forbidden, NotFound
from app.core.principal import Principal
from app.models.base import table_of
from app.models.candidates import Application
from app.models.identity import User
from app.models.intakes import Intake
from app.models.interviews import (
    ApplicationDecision,
    Evaluation,
    EvaluationStatus,
    Interview,
    InterviewStatus,
    PanelRole,
    Recommendation,
)
from app.services.identity.access import unrestricted
from app.services.intakes.team import team_role
from app.services.interviews import visibility as panel_access
from app.services.pipeline import applications

_evaluation = table_of(Evaluation).c
_interview = table_of(Interview).c
_user = table_of(User).c
_decision = table_of(ApplicationDecision).c

# Panel roles whose evaluations count in the debrief's math; shadows' are only listed.
COUNTING_ROLES = frozenset({PanelRole.LEAD, PanelRole.INTERVIEWER})
UNSUBMITTED = frozenset({EvaluationStatus.PENDING, EvaluationStatus.DRAFT})
DISAGREEMENT_SPREAD = 2
SUBMIT_FIRST = (
    "Submit your own evaluation of this candidate first: "
    "the debrief opens to interviewers once their scorecard is in."
)
NEGATIVE = (Recommendation.STRONG_NO, Recommendation.NO)
POSITIVE = (Recommendation.YES, Recommendation.STRONG_YES)


def not_found(application_id: uuid.UUID) -> NotFound:
    return NotFound(f"No application with id {application_id}.")


async def _on_panel(session: AsyncSession, application_id: uuid.UUID, user_id: object) -> bool:
    """Whether the person sits on a panel of one of the application's interviews."""
    query = select(panel_access.on_panel_of_application(literal(application_id, Uuid()), user_id))
    return bool((await session.execute(query)).scalar())


async def caller_standing(
    session: AsyncSession, principal: Principal, application: Application
) -> str | None:
    """Where the caller stands: `deciders` (admins, integrations, the intake's recruiter,
    coordinators and HM), `submitted` (evaluated the application), `panel` (sits on one of
    its panels), `team` (on the intake's team), or None (cannot see the application)."""
    if unrestricted(principal):
        return "deciders"
    role = await team_role(session, application.intake_id, principal.user_id)
    if role in panel_access.DECISION_ROLES:
        return "deciders"
    if await panel_access.has_submitted_for(session, principal.user_id, application.id):
        return "submitted"
    if await _on_panel(session, application.id, principal.user_id):
        return "panel"
    return "team" if role is not None else None


async def get_debrief(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> dict[str, Any]:
    """The debrief of an application: the decision team sees it always, others on the team or
    a panel once they submitted their own evaluation (403 before), anyone else 404."""
    application = await session.get(Application, application_id)
    if application is None:
        raise not_found(application_id)
    standing = await caller_standing(session, principal, application)
    if standing is None:
        raise not_found(application_id)
    if standing == "panel":
        raise Forbidden(SUBMIT_FIRST)
    if standing == "team":
        raise Forbidden("The debrief is for the decision team and the panel who evaluated.")
    intake = await session.get(Intake, application.intake_id)
    assert intake is not None  # noqa: S101 - foreign key
    stage_order = await applications.plan_stage_ids(session, intake)
    rows = (
        await session.execute(
            select(
                *table_of(Evaluation).c,
                _interview.stage_name,
                _interview.starts_at.label("interview_starts_at"),
                _interview.ends_at.label("interview_ends_at"),
                _interview.status.label("interview_status"),
                _user.full_name.label("interviewer_name"),
            )
            .join(table_of(Interview), _interview.id == _evaluation.interview_id)
            .join(table_of(User), _user.id == _evaluation.interviewer_id)
            .where(
                _evaluation.application_id == application_id,
                _evaluation.status != EvaluationStatus.CANCELLED.value,
                _interview.status != InterviewStatus.CANCELLED.value,
            )
            .order_by(_interview.starts_at, _evaluation.id)
        )
    ).mappings()
    decisions = (
        (
            await session.execute(
                select(ApplicationDecision)
                .where(_decision.application_id == application_id)
                .order_by(_decision.decided_at, _decision.id)
            )
        )
        .scalars()
        .all()
    )
    return summarise(application, stage_order, [dict(row) for row in rows], decisions, utcnow())


def summarise(
    application: Application,
    stage_order: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    decisions: Sequence[ApplicationDecision],
    now: datetime,
) -> dict[str, Any]:
    """The debrief from the application's evaluation rows (joined with their interviews)."""
    listed = [_listed(row, now) for row in rows]
    counted = [
        row
        for row in rows
        if row["status"] == EvaluationStatus.SUBMITTED
        and PanelRole(row["panel_role"]) in COUNTING_ROLES
    ]
    competencies = _competencies(counted, stage_order)
    tally = {r.value: 0 for r in Recommendation}
    for row in counted:
        if row["recommendation"] is not None:
            tally[Recommendation(row["recommendation"]).value] += 1
    flags = [_spread_flag(c) for c in competencies if c["disagreement"]]
    split = _split_flag(tally, counted)
    if split is not None:
        flags.append(split)
    return {
        "application_id": application.id,
        "intake_id": application.intake_id,
        "stage": application.stage,
        "status": str(application.status),
        "competencies": competencies,
        "recommendations": tally,
        "disagreements": flags,
        "evaluations": listed,
        # An interview has ended when its end time passed or it was marked completed early.
        "missing": [
            e
            for e, row in zip(listed, rows, strict=True)
            if EvaluationStatus(row["status"]) in UNSUBMITTED
            and (row["interview_ends_at"] <= now or row["interview_status"] == "completed")
        ],
        "late": [e for e in listed if e["status"] == "submitted" and e["on_time"] is False],
        "decision": decisions[-1] if decisions else None,
        "decisions": list(decisions),
    }


def _listed(row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    status = EvaluationStatus(row["status"])
    submitted = status is EvaluationStatus.SUBMITTED
    return {
        "evaluation_id": row["id"],
        "interview_id": row["interview_id"],
        "stage_id": row["stage_id"],
        "stage_name": row["stage_name"],
        "interview_ends_at": row["interview_ends_at"],
        "interviewer_id": row["interviewer_id"],
        "interviewer_name": row["interviewer_name"],
        "panel_role": row["panel_role"],
        "status": status.value,
        # A draft's content is its author's own until submitted.
        "recommendation": row["recommendation"] if submitted else None,
        "due_at": row["due_at"],
        "overdue": not submitted and row["due_at"] < now,
        "submitted_at": row["submitted_at"],
        "on_time": row["on_time"],
        "counts_toward_decision": PanelRole(row["panel_role"]) in COUNTING_ROLES,
    }


def _competencies(
    counted: Sequence[Mapping[str, Any]], stage_order: Sequence[str]
) -> list[dict[str, Any]]:
    """Per competency asked on a counted scorecard, in plan stage order (stages no longer in
    the plan last), the answers and their statistics."""
    position = {stage: i for i, stage in enumerate(stage_order)}
    ordered = sorted(
        counted,
        key=lambda row: (position.get(row["stage_id"], len(position)), row["interview_starts_at"]),
    )
    summaries: dict[str, dict[str, Any]] = {}
    for row in ordered:
        answers = {str(r.get("competency_id")): r for r in row["ratings"] or []}
        for asked in row["competencies"] or []:
            key = str(asked["id"])
            summary = summaries.setdefault(
                key, {"competency_id": key, "name": asked.get("name") or "", "ratings": []}
            )
            answer = answers.get(key, {})
            rating = answer.get("rating")
            summary["ratings"].append(
                {
                    "evaluation_id": row["id"],
                    "interviewer_id": row["interviewer_id"],
                    "interviewer_name": row["interviewer_name"],
                    "rating": rating,
                    # Asked but left unrated on a submitted scorecard counts as not assessed.
                    "not_assessed": rating is None,
                }
            )
    for summary in summaries.values():
        numbers = [r["rating"] for r in summary["ratings"] if r["rating"] is not None]
        spread = max(numbers) - min(numbers) if numbers else None
        summary.update(
            count=len(numbers),
            mean=round(sum(numbers) / len(numbers), 2) if numbers else None,
            spread=spread,
            min_rating=min(numbers) if numbers else None,
            max_rating=max(numbers) if numbers else None,
            not_assessed=len(summary["ratings"]) - len(numbers),
            disagreement=spread is not None and spread >= DISAGREEMENT_SPREAD,
        )
    return list(summaries.values())


def _spread_flag(summary: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": "competency_spread",
        "detail": f"Ratings of {summary['name']} range from {summary['min_rating']} "
        f"to {summary['max_rating']}.",
        "competency_id": summary["competency_id"],
        "competency_name": summary["name"],
        "min_rating": summary["min_rating"],
        "max_rating": summary["max_rating"],
        "spread": summary["spread"],
        "evaluation_ids": [
            r["evaluation_id"] for r in summary["ratings"] if r["rating"] is not None
        ],
    }


def _split_flag(
    tally: Mapping[str, int], counted: Sequence[Mapping[str, Any]]
) -> dict[str, Any] | None:
    """A strong no against any yes, or a strong yes against any no."""
    strong_no, strong_yes = tally[Recommendation.STRONG_NO], tally[Recommendation.STRONG_YES]
    yes = sum(tally[r] for r in POSITIVE)
    no = sum(tally[r] for r in NEGATIVE)
    if not ((strong_no and yes) or (strong_yes and no)):
        return None
    return {
        "kind": "split_recommendation",
        "detail": f"The panel is split: {yes} for, {no} against, "
        f"with {strong_no} strong no and {strong_yes} strong yes.",
        "recommendations": dict(tally),
        "evaluation_ids": [row["id"] for row in counted if row["recommendation"] is not None],
    }


# --- Deciding ----------------------------------------------------------------------------------
