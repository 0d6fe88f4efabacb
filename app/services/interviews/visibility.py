"""Who sees which interviews and evaluations: the intake's team, the panel, and the
independence rule (an interviewer sees colleagues' evaluations of an application only after
submitting their own)."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.principal import Principal
from app.models.base import table_of
from app.models.intakes import IntakeTeamMember, TeamRole
from app.models.interviews import Evaluation, EvaluationStatus, Interview, InterviewParticipant
from app.services.identity.access import unrestricted
from app.services.intakes.team import team_role

_member = table_of(IntakeTeamMember).c
_interview = table_of(Interview).c
_participant = table_of(InterviewParticipant).c
_evaluation = table_of(Evaluation).c

# Team roles that see every interview and every evaluation of their intake.
DECISION_ROLES = (TeamRole.RECRUITER, TeamRole.COORDINATOR, TeamRole.HIRING_MANAGER)
# Team roles that schedule and run the pipeline.
PIPELINE_ROLES = (TeamRole.RECRUITER, TeamRole.COORDINATOR)


async def sees_all_evaluations(
    session: AsyncSession, principal: Principal, intake_id: uuid.UUID
) -> bool:
    """Admins, integrations, and the intake's recruiter, coordinators and hiring manager."""
    if unrestricted(principal):
        return True
    return await team_role(session, intake_id, principal.user_id) in DECISION_ROLES


async def has_submitted_for(
    session: AsyncSession, user_id: uuid.UUID | None, application_id: uuid.UUID
) -> bool:
    """Whether the person submitted an evaluation of any interview of the application."""
    if user_id is None:
        return False
    return bool(
        (
            await session.execute(
                select(
                    exists().where(
                        _evaluation.application_id == application_id,
                        _evaluation.interviewer_id == user_id,
                        _evaluation.status == EvaluationStatus.SUBMITTED.value,
                    )
                )
            )
        ).scalar()
    )


def on_panel_of_application(
    application_id: ColumnElement[uuid.UUID], user_id: object
) -> ColumnElement[bool]:
    """SQL: the person sits on a panel of an interview of the application."""
    return exists().where(
        _interview.application_id == application_id,
        _participant.interview_id == _interview.id,
        _participant.user_id == user_id,
    )
