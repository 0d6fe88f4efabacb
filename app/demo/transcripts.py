"""Demo transcripts: three technical deep dives written for the demo, attached to held
interviews with the candidate's recorded consent. One is a good interview, one has low plan
coverage and long interviewer monologues, one has an interviewer asking prohibited questions."""

from __future__ import annotations

import uuid
from importlib import resources

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.base import table_of
from app.models.candidates import Application, Candidate
from app.models.identity import User
from app.models.interviews import Interview, InterviewStatus
from app.models.transcripts import ConsentMethod, RecordingConsent
from app.services.transcripts import transcripts
from app.services.transcripts.parsing import parse

FILES = ("good_interview.vtt", "low_coverage.vtt", "prohibited_question.vtt")
STAGE = "Technical deep dive"
CONSENT_TEXT = "recording-consent-2026-01"

_interview = table_of(Interview).c


def demo_file(name: str) -> str:
    """A demo transcript as shipped (with `{lead}` and `{candidate}` placeholders)."""
    return resources.files("app.demo").joinpath("transcripts", name).read_text(encoding="utf-8")


async def seed_transcripts(session: AsyncSession) -> int:
    """Attach the demo transcripts to the latest held technical interviews (one each of
    different candidates); how many were attached."""
    held = (
        await session.execute(
            select(Interview)
            .where(
                _interview.stage_name == STAGE,
                _interview.status == InterviewStatus.COMPLETED.value,
            )
            .order_by(_interview.starts_at.desc(), _interview.id)
        )
    ).scalars()
    chosen: list[Interview] = []
    for interview in held:
        lead = next((p for p in interview.panel if p["role"] == "lead"), None)
        if lead and interview.application_id not in {i.application_id for i in chosen}:
            chosen.append(interview)
        if len(chosen) == len(FILES):
            break
    for interview, name in zip(chosen, FILES, strict=False):
        await _attach(session, interview, name)
    return len(chosen)


async def _attach(session: AsyncSession, interview: Interview, name: str) -> None:
    lead_id = next(p["user_id"] for p in interview.panel if p["role"] == "lead")
    lead = await session.get(User, uuid.UUID(str(lead_id)))
    application = await session.get(Application, interview.application_id)
    assert lead is not None  # noqa: S101
    assert application is not None  # noqa: S101
    candidate = await session.get(Candidate, application.candidate_id)
    assert candidate is not None  # noqa: S101
    text = demo_file(name).replace("{lead}", lead.full_name)
    text = text.replace("{candidate}", candidate.full_name)
    session.add(
        RecordingConsent(
            interview_id=interview.id,
            candidate_id=candidate.id,
            given_by=candidate.full_name,
            given_at=interview.starts_at,
            method=ConsentMethod.VERBAL,
            text_version=CONSENT_TEXT,
            note="Asked at the start of the call, before the recording started.",
        )
    )
    await transcripts.store(
        session,
        interview,
        parse(text.encode(), "text/vtt"),
        uploaded_by=(lead.id, None),
        engine="lexical",
    )
