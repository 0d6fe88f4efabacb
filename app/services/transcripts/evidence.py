"""Evidence for evaluations: per competency, the candidate's passages from the transcript,
offered to the interviewer's scorecard as suggestions. Tandem never rates or recommends."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import NotFound
from app.core.principal import Principal
from app.models.interviews import Evaluation, Interview
from app.models.transcripts import Transcript
from app.services.transcripts.access import may_see_media
from app.services.transcripts.transcripts import transcript_of


def evidence_of(transcript: Transcript, competency_ids: set[str] | None = None) -> dict[str, Any]:
    """The stored evidence passages, optionally for some competencies only."""
    competencies = [
        item
        for item in transcript.analysis.get("evidence", [])
        if competency_ids is None or str(item["competency_id"]) in competency_ids
    ]
    return {
        "interview_id": transcript.interview_id,
        "engine": transcript.engine,
        "competencies": competencies,
    }


async def for_evaluation(
    session: AsyncSession, principal: Principal, evaluation_id: uuid.UUID
) -> tuple[Transcript, dict[str, Any]]:
    """Suggested evidence for one scorecard: its interviewer, and whoever may see the
    interview's transcript, may ask; 404 for everyone else and when there is no transcript."""
    evaluation = await session.get(Evaluation, evaluation_id)
    missing = NotFound(f"No evaluation with id {evaluation_id}.")
    if evaluation is None:
        raise missing
    interview = await session.get(Interview, evaluation.interview_id)
    assert interview is not None  # noqa: S101 - an evaluation always has its interview
    own = principal.user_id is not None and principal.user_id == evaluation.interviewer_id
    if not own and not await may_see_media(session, principal, interview):
        raise missing
    transcript = await transcript_of(session, interview.id)
    if transcript is None:
        raise NotFound(f"The interview of evaluation {evaluation_id} has no transcript.")
    wanted = {str(c["id"]) for c in evaluation.competencies}
    return transcript, evidence_of(transcript, wanted)
