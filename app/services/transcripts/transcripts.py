"""Transcripts: import a file as segments, map speaker labels to the candidate and the panel
(automatically when names match, by hand otherwise), and keep the analysis current."""

from __future__ import annotations

import uuid
from typing import Any

import anyio.to_thread
from rapidfuzz import fuzz
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.errors import FieldProblem, NotFound, ValidationFailed
from app.core.etag import require_match
from app.core.ids import new_id
from app.core.principal import Principal
from app.core.text import fold
from app.models.base import table_of
from app.models.candidates import Application, Candidate
from app.models.identity import User
from app.models.interviews import Interview, InterviewParticipant
from app.models.plans import InterviewPlan
from app.models.transcripts import Transcript, TranscriptSegment
from app.platform.audit import record_audit
from app.platform.events import record_event
from app.schemas.transcripts import SpeakersUpdate
from app.services.transcripts import analysis
from app.services.transcripts.access import interview_for_media
from app.services.transcripts.matching import matcher_for
from app.services.transcripts.parsing import ParsedTranscript, parse
from app.services.transcripts.segments import Segment, seconds

_segment = table_of(TranscriptSegment).c
_transcript = table_of(Transcript).c
_participant = table_of(InterviewParticipant).c
_user = table_of(User).c

NAME_MATCH = 88  # RapidFuzz WRatio, 0..100: "Jane Doe" ~ "jane doe (she/her)"


async def transcript_of(session: AsyncSession, interview_id: uuid.UUID) -> Transcript | None:
    """The interview's transcript, if one was imported."""
    return (
        await session.execute(select(Transcript).where(_transcript.interview_id == interview_id))
    ).scalar_one_or_none()


async def panel_names(session: AsyncSession, interview_id: uuid.UUID) -> dict[str, str]:
    """{user id: full name} of the interview's panel."""
    rows = await session.execute(
        select(_user.id, _user.full_name)
        .join(InterviewParticipant, _participant.user_id == _user.id)
        .where(_participant.interview_id == interview_id)
    )
    return {str(row.id): row.full_name for row in rows}


def _name_score(label: str, name: str) -> float:
    folded_label, folded_name = fold(label), fold(name)
    if not folded_label or not folded_name:
        return 0.0
    first = folded_name.split()[0]
    if folded_label == first:  # "Jane" for Jane Doe
        return 95.0
    return float(fuzz.WRatio(folded_label, folded_name))


def auto_speakers(
    labels: list[str],
    candidate_name: str,
    panel: dict[str, str],
    kept: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """A side for every label: the manual choice kept from before, else the best name match."""
    out = []
    for label in labels:
        if label in kept and kept[label].get("assigned") == "manual":
            out.append(kept[label])
            continue
        best: tuple[float, str, str | None] = (
            _name_score(label, candidate_name),
            "candidate",
            None,
        )
        for user_id, name in panel.items():
            score = _name_score(label, name)
            if score > best[0]:
                best = (score, "interviewer", user_id)
        if best[0] >= NAME_MATCH:
            out.append({"label": label, "side": best[1], "user_id": best[2], "assigned": "auto"})
        else:
            out.append({"label": label, "side": "unknown", "user_id": None, "assigned": "none"})
    return out


async def stage_of(session: AsyncSession, interview: Interview) -> dict[str, Any]:
    """The plan stage the interview was for (questions and competencies)."""
    plan = await session.get(InterviewPlan, interview.plan_id)
    for stage in plan.stages if plan else []:
        if str(stage.get("id")) == interview.stage_id:
            return dict(stage)
    return {
        "id": interview.stage_id,
        "name": interview.stage_name,
        "questions": [],
        "competencies": [],
    }


def _segments_for_analysis(
    rows: list[dict[str, Any]], speakers: list[dict[str, Any]]
) -> list[Segment]:
    by_label = {s["label"]: s for s in speakers}
    out = []
    for row in rows:
        who = by_label.get(row["speaker"], {})
        out.append(
            Segment(
                position=row["position"],
                start_ms=row["start_ms"],
                end_ms=row["end_ms"],
                speaker=row["speaker"],
                text=row["text"],
                side=who.get("side", "unknown"),
                user_id=who.get("user_id"),
            )
        )
    return out


async def segment_rows(session: AsyncSession, transcript_id: uuid.UUID) -> list[dict[str, Any]]:
    """The transcript's segments in order, as plain rows."""
    result = await session.execute(
        select(
            _segment.position, _segment.start_ms, _segment.end_ms, _segment.speaker, _segment.text
        )
        .where(_segment.transcript_id == transcript_id)
        .order_by(_segment.position)
    )
    return [dict(row._mapping) for row in result]


async def reanalyse(
    session: AsyncSession,
    transcript: Transcript,
    interview: Interview,
    rows: list[dict[str, Any]],
    *,
    engine: str,
    salary_history: bool,
) -> None:
    """Recompute and store the analysis (in a worker thread: it is CPU work)."""
    stage = await stage_of(session, interview)
    matcher = matcher_for(engine)
    segments = _segments_for_analysis(rows, transcript.speakers)
    result = await anyio.to_thread.run_sync(
        lambda: analysis.analyse(
            segments, stage, matcher, timed=transcript.timed, salary_history=salary_history
        )
    )
    transcript.analysis, transcript.engine, transcript.analysed_at = result, matcher.name, utcnow()


def _rows_of(parsed: ParsedTranscript) -> list[dict[str, Any]]:
    return [
        {
            "position": i,
            "start_ms": cue.start_ms,
            "end_ms": cue.end_ms,
            "speaker": cue.speaker,
            "text": cue.text,
        }
        for i, cue in enumerate(parsed.cues)
    ]


async def put_transcript(
    session: AsyncSession,
    principal: Principal,
    interview_id: uuid.UUID,
    body: bytes,
    media_type: str | None,
    *,
    engine: str,
    salary_history: bool,
) -> tuple[Transcript, bool]:
    """Import (or replace) the interview's transcript and analyse it; (transcript, created)."""
    interview = await interview_for_media(session, principal, interview_id, lock=True)
    parsed = parse(body, media_type)
    return await store(
        session,
        interview,
        parsed,
        uploaded_by=(principal.user_id, principal.api_client_id),
        engine=engine,
        salary_history=salary_history,
    )


async def store(
    session: AsyncSession,
    interview: Interview,
    parsed: ParsedTranscript,
    *,
    uploaded_by: tuple[uuid.UUID | None, uuid.UUID | None],
    engine: str,
    salary_history: bool = True,
) -> tuple[Transcript, bool]:
    """Store parsed cues as the interview's transcript (replacing any), map the speakers and
    analyse it; (transcript, created)."""
    application = await session.get(Application, interview.application_id)
    assert application is not None  # noqa: S101
    candidate = await session.get(Candidate, application.candidate_id)
    transcript, kept = await _fresh_transcript(session, interview, application, parsed)
    created = kept is None
    rows = _rows_of(parsed)
    labels = list(dict.fromkeys(row["speaker"] for row in rows))
    transcript.speakers = auto_speakers(
        labels,
        candidate.full_name if candidate else "",
        await panel_names(session, interview.id),
        kept or {},
    )
    transcript.source_format, transcript.timed = parsed.source_format, parsed.timed
    transcript.segment_count = len(rows)
    transcript.duration_ms = max(row["end_ms"] for row in rows)
    transcript.uploaded_by_id, transcript.uploaded_by_api_client_id = uploaded_by
    await session.flush()
    await session.execute(
        insert(TranscriptSegment),
        [{"id": new_id(), "transcript_id": transcript.id, **r} for r in rows],
    )
    await reanalyse(
        session, transcript, interview, rows, engine=engine, salary_history=salary_history
    )
    await session.flush()
    record_audit(session, "transcript.imported", object_type="transcript", object_id=transcript.id)
    record_event(
        session,
        "transcript.imported",
        ("transcript", transcript.id),
        {
            "id": str(transcript.id),
            "interview_id": str(interview.id),
            "segments": len(rows),
            "format": parsed.source_format,
        },
    )
    return transcript, created


async def _fresh_transcript(
    session: AsyncSession, interview: Interview, application: Application, parsed: ParsedTranscript
) -> tuple[Transcript, dict[str, dict[str, Any]] | None]:
    """The interview's transcript emptied of its segments (a new one if none); the speaker
    map it had, by label (None for a new transcript)."""
    transcript = await transcript_of(session, interview.id)
    if transcript is None:
        transcript = Transcript(
            interview_id=interview.id,
            intake_id=interview.intake_id,
            application_id=interview.application_id,
            candidate_id=application.candidate_id,
            source_format=parsed.source_format,
        )
        session.add(transcript)
        return transcript, None
    await session.execute(delete(TranscriptSegment).where(_segment.transcript_id == transcript.id))
    return transcript, {s["label"]: s for s in transcript.speakers}


async def get_transcript(
    session: AsyncSession, principal: Principal, interview_id: uuid.UUID
) -> tuple[Interview, Transcript]:
    """The interview and its transcript (404 if none or not the caller's to see)."""
    interview = await interview_for_media(session, principal, interview_id)
    transcript = await transcript_of(session, interview.id)
    if transcript is None:
        raise NotFound(f"Interview {interview_id} has no transcript.")
    return interview, transcript


async def update_speakers(
    session: AsyncSession,
    principal: Principal,
    interview_id: uuid.UUID,
    data: SpeakersUpdate,
    if_match: list[str] | None,
    *,
    engine: str,
    salary_history: bool,
) -> Transcript:
    """Say who each speaker label is; the analysis is recomputed."""
    interview, transcript = await get_transcript(session, principal, interview_id)
    require_match(if_match, transcript.version)
    panel = await panel_names(session, interview.id)
    speakers = {s["label"]: dict(s) for s in transcript.speakers}
    problems = []
    for i, item in enumerate(data.speakers):
        at = f"body.speakers[{i}]"
        if item.label not in speakers:
            problems.append(
                FieldProblem(f"{at}.label", "no such speaker in the transcript", "unknown")
            )
        elif item.side == "interviewer" and str(item.user_id) not in panel:
            problems.append(
                FieldProblem(f"{at}.user_id", "an interviewer must be on the panel", "not_on_panel")
            )
        elif item.side != "interviewer" and item.user_id is not None:
            problems.append(
                FieldProblem(f"{at}.user_id", "only interviewers have a user id", "invalid")
            )
        else:
            user_id = str(item.user_id) if item.user_id else None
            speakers[item.label] = {
                "label": item.label,
                "side": item.side,
                "user_id": user_id,
                "assigned": "manual",
            }
    if problems:
        raise ValidationFailed("The speaker assignments are not valid.", errors=problems)
    transcript.speakers = list(speakers.values())
    rows = await segment_rows(session, transcript.id)
    await reanalyse(
        session, transcript, interview, rows, engine=engine, salary_history=salary_history
    )
    await session.flush()
    record_audit(
        session, "transcript.speakers_updated", object_type="transcript", object_id=transcript.id
    )
    return transcript


def read_model(transcript: Transcript, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The transcript as the API shows it, segments with their resolved sides."""
    by_label = {s["label"]: s for s in transcript.speakers}
    segments = [
        {
            "position": r["position"],
            "start": seconds(r["start_ms"]),
            "end": seconds(r["end_ms"]),
            "speaker": r["speaker"],
            "side": by_label.get(r["speaker"], {}).get("side", "unknown"),
            "user_id": by_label.get(r["speaker"], {}).get("user_id"),
            "text": r["text"],
        }
        for r in rows
    ]
    return {
        "id": transcript.id,
        "interview_id": transcript.interview_id,
        "candidate_id": transcript.candidate_id,
        "source_format": transcript.source_format,
        "timed": transcript.timed,
        "segment_count": transcript.segment_count,
        "duration": seconds(transcript.duration_ms),
        "speakers": transcript.speakers,
        "engine": transcript.engine,
        "analysed_at": transcript.analysed_at,
        "segments": segments,
        "created_at": transcript.created_at,
        "updated_at": transcript.updated_at,
    }


def analysis_model(transcript: Transcript) -> dict[str, Any]:
    """The stored analysis with its transcript's ids (evidence is served on its own)."""
    stored = {k: v for k, v in transcript.analysis.items() if k != "evidence"}
    return {
        **stored,
        "transcript_id": transcript.id,
        "interview_id": transcript.interview_id,
        "analysed_at": transcript.analysed_at,
    }
