"""Searching an intake's transcripts: every word of the query must appear in a segment (any
case); hits come back in interview order with the words highlighted. The intake's recruiters and
hiring manager search all of its transcripts, interviewers only those of their own panels."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import NotFound
from app.core.principal import Principal
from app.models.base import table_of
from app.models.intakes import Intake
from app.models.interviews import Interview, InterviewParticipant
from app.models.transcripts import Transcript, TranscriptSegment
from app.services.identity.access import unrestricted
from app.services.intakes.team import team_role
from app.services.interviews.visibility import DECISION_ROLES
from app.services.transcripts.segments import seconds

_segment = table_of(TranscriptSegment).c
_transcript = table_of(Transcript).c
_interview = table_of(Interview).c
_participant = table_of(InterviewParticipant).c

SNIPPET_CHARS = 160
MAX_WORDS = 8
MARK_OPEN, MARK_CLOSE = "«", "»"


def words_of(query: str) -> list[str]:
    """The distinct words of the query (at most eight)."""
    return list(dict.fromkeys(w.lower() for w in re.findall(r"\w[\w'-]*", query)))[:MAX_WORDS]


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def highlight(text: str, words: list[str]) -> str:
    """A window of the text around the first match, every match wrapped in «…»."""
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.I)
    first = pattern.search(text)
    start = max(0, (first.start() if first else 0) - SNIPPET_CHARS // 3)
    if start:
        start = text.rfind(" ", 0, start) + 1
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        end = max(text.rfind(" ", start, end), start + 1)
    window = text[start:end]
    marked = pattern.sub(lambda m: f"{MARK_OPEN}{m.group(0)}{MARK_CLOSE}", window)
    return ("…" if start else "") + marked + ("…" if end < len(text) else "")


async def _sits_on_a_panel(
    session: AsyncSession, intake_id: uuid.UUID, user_id: uuid.UUID | None
) -> bool:
    found = await session.execute(
        select(_participant.interview_id)
        .join(Interview, _interview.id == _participant.interview_id)
        .where(_interview.intake_id == intake_id, _participant.user_id == user_id)
        .limit(1)
    )
    return found.first() is not None


async def search(
    session: AsyncSession,
    principal: Principal,
    intake_id: uuid.UUID,
    query: str,
    *,
    limit: int,
) -> tuple[list[dict[str, Any]], bool]:
    """Segments of the intake's transcripts that contain every word; (hits, more)."""
    intake = await session.get(Intake, intake_id)
    panel_only = False
    if intake is None:
        raise NotFound(f"No intake with id {intake_id}.")
    if not unrestricted(principal):
        role = await team_role(session, intake_id, principal.user_id)
        panel_only = role not in DECISION_ROLES
        if panel_only and not await _sits_on_a_panel(session, intake_id, principal.user_id):
            raise NotFound(f"No intake with id {intake_id}.")
    words = words_of(query)
    statement = (
        select(
            _transcript.interview_id,
            _transcript.application_id,
            _transcript.candidate_id,
            _interview.stage_name,
            _segment.position,
            _segment.start_ms,
            _segment.speaker,
            _segment.text,
        )
        .join(Transcript, _transcript.id == _segment.transcript_id)
        .join(Interview, _interview.id == _transcript.interview_id)
        .where(_transcript.intake_id == intake_id)
        .order_by(_interview.starts_at, _interview.id, _segment.position)
        .limit(limit + 1)
    )
    for word in words:
        statement = statement.where(func.lower(_segment.text).like(_like(word), escape="\\"))
    if panel_only:
        statement = statement.where(
            _interview.id.in_(
                select(_participant.interview_id).where(_participant.user_id == principal.user_id)
            )
        )
    rows = list((await session.execute(statement)).all())
    hits = [
        {
            "interview_id": row.interview_id,
            "application_id": row.application_id,
            "candidate_id": row.candidate_id,
            "stage_name": row.stage_name,
            "position": row.position,
            "start": seconds(row.start_ms),
            "speaker": row.speaker,
            "snippet": highlight(row.text, words),
        }
        for row in rows[:limit]
    ]
    return hits, len(rows) > limit
