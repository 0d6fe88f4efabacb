"""Who may reach an interview's recording and transcript: admins and integrations acting for
themselves, the intake's recruiters and hiring manager, and that interview's panel. Other
interviewers, even on the same intake, get a 404 (as if there were nothing)."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.principal import Principal
from app.models.base import table_of
from app.models.interviews import Interview, InterviewParticipant
from app.services.identity.access import unrestricted
from app.services.intakes.team import team_role
from app.services.interviews.queries import not_found
from app.services.interviews.visibility import DECISION_ROLES

_participant = table_of(InterviewParticipant).c


async def on_panel(session: AsyncSession, interview_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Whether the person sits on the interview's panel."""
    return bool(
        (
            await session.execute(
                select(
                    exists().where(
                        _participant.interview_id == interview_id,
                        _participant.user_id == user_id,
                    )
                )
            )
        ).scalar()
    )


async def may_see_media(session: AsyncSession, principal: Principal, interview: Interview) -> bool:
    """The access rule for recordings and transcripts of one interview."""
    if unrestricted(principal):
        return True
    if principal.user_id is None:
        return False
    if await team_role(session, interview.intake_id, principal.user_id) in DECISION_ROLES:
        return True
    return await on_panel(session, interview.id, principal.user_id)


async def interview_for_media(
    session: AsyncSession, principal: Principal, interview_id: uuid.UUID, *, lock: bool = False
) -> Interview:
    """The interview, if the caller may reach its recording and transcript (404 otherwise)."""
    interview = await session.get(Interview, interview_id, with_for_update=lock)
    if interview is None or not await may_see_media(session, principal, interview):
        raise not_found(interview_id)
    return interview
