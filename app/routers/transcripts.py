"""/api/v1/interviews/{interview_id}/transcript: import, read, speakers, analysis, evidence and
coaching; /api/v1/evaluations/{evaluation_id}/suggested-evidence for the scorecard."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response

from app.core.errors import FieldProblem, ValidationFailed
from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response
from app.deps import IfMatch, SessionDep, require, runtime_of
from app.models.transcripts import Transcript
from app.routers.base import api_router
from app.schemas.transcripts import (
    AnalysisRead,
    EvidenceRead,
    InterviewCoachingRead,
    SpeakersUpdate,
    TranscriptRead,
    TranscriptSearchRead,
)
from app.services.transcripts import coaching, evidence, search
from app.services.transcripts import transcripts as service
from app.services.transcripts.parsing import MEDIA_TYPES

router = api_router("/interviews", "Recordings and transcripts")
evaluations_router = api_router("/evaluations", "Evaluations")
intakes_router = api_router("/intakes", "Recordings and transcripts")

_TRANSCRIPT_BODY = {
    "requestBody": {
        "required": True,
        "description": "The transcript file itself, sent with its media type.",
        "content": {media: {"schema": {"type": "string"}} for media in sorted(MEDIA_TYPES)},
    }
}


def _transcript_response(
    transcript: Transcript, rows: list[dict[str, object]], status_code: int = 200
) -> Response:
    location = f"/api/v1/interviews/{transcript.interview_id}/transcript"
    return json_response(
        TranscriptRead.model_validate(service.read_model(transcript, rows)),
        status_code=status_code,
        version=transcript.version,
        headers={"Location": location} if status_code == 201 else None,
    )


@router.put(
    "/{interview_id}/transcript",
    response_model=TranscriptRead,
    responses={
        **problem_openapi_responses(404, 413, 415),
        201: {"model": TranscriptRead, "description": "The first transcript of the interview."},
    },
    openapi_extra=_TRANSCRIPT_BODY,
)
async def interviews_put_transcript(
    request: Request,
    interview_id: uuid.UUID,
    principal: Annotated[Principal, require("transcripts", "write")],
    session: SessionDep,
) -> Response:
    """Import (or replace) the transcript: WebVTT, SRT, `Speaker: text` lines or JSON segments."""
    settings = runtime_of(request).settings
    transcript, created = await service.put_transcript(
        session,
        principal,
        interview_id,
        await request.body(),
        request.headers.get("content-type"),
        engine=settings.transcript_engine,
        salary_history=settings.salary_history_banned,
    )
    rows = await service.segment_rows(session, transcript.id)
    return _transcript_response(transcript, rows, 201 if created else 200)


@router.get(
    "/{interview_id}/transcript",
    response_model=TranscriptRead,
    responses=problem_openapi_responses(404),
)
async def interviews_get_transcript(
    request: Request,
    interview_id: uuid.UUID,
    principal: Annotated[Principal, require("transcripts", "read")],
    session: SessionDep,
) -> Response:
    """The transcript: speakers (who each label is) and every segment."""
    _interview, transcript = await service.get_transcript(session, principal, interview_id)
    rows = await service.segment_rows(session, transcript.id)
    runtime_of(request).read_audit.record("transcript.read", "transcript", transcript.id)
    return _transcript_response(transcript, rows)


@router.patch(
    "/{interview_id}/transcript/speakers",
    response_model=TranscriptRead,
    responses=problem_openapi_responses(404, 412, 428),
)
async def interviews_update_speakers(
    request: Request,
    interview_id: uuid.UUID,
    body: SpeakersUpdate,
    principal: Annotated[Principal, require("transcripts", "write")],
    session: SessionDep,
    if_match: IfMatch,
) -> Response:
    """Say who speaker labels are (candidate, which interviewer); the analysis is redone."""
    settings = runtime_of(request).settings
    transcript = await service.update_speakers(
        session,
        principal,
        interview_id,
        body,
        if_match,
        engine=settings.transcript_engine,
        salary_history=settings.salary_history_banned,
    )
    rows = await service.segment_rows(session, transcript.id)
    return _transcript_response(transcript, rows)


@router.get(
    "/{interview_id}/transcript/analysis",
    response_model=AnalysisRead,
    responses=problem_openapi_responses(404),
)
async def interviews_get_transcript_analysis(
    request: Request,
    interview_id: uuid.UUID,
    principal: Annotated[Principal, require("transcripts", "read")],
    session: SessionDep,
) -> Response:
    """The transcript's analysis: talk share, questions, coverage, risky topics.

    Talk share, monologues, questions, plan and competency coverage, risky topics and
    interruptions; each number lists the segments it came from. It never recommends a hiring
    decision."""
    _interview, transcript = await service.get_transcript(session, principal, interview_id)
    runtime_of(request).read_audit.record("transcript.analysis_read", "transcript", transcript.id)
    return json_response(
        AnalysisRead.model_validate(service.analysis_model(transcript)), version=transcript.version
    )


@router.get(
    "/{interview_id}/transcript/evidence",
    response_model=EvidenceRead,
    responses=problem_openapi_responses(404),
)
async def interviews_get_transcript_evidence(
    request: Request,
    interview_id: uuid.UUID,
    principal: Annotated[Principal, require("transcripts", "read")],
    session: SessionDep,
) -> Response:
    """Per competency of the stage, the candidate's most relevant passages (never a rating)."""
    _interview, transcript = await service.get_transcript(session, principal, interview_id)
    runtime_of(request).read_audit.record("transcript.evidence_read", "transcript", transcript.id)
    return json_response(EvidenceRead.model_validate(evidence.evidence_of(transcript)))


@router.get(
    "/{interview_id}/transcript/coaching",
    response_model=InterviewCoachingRead,
    responses=problem_openapi_responses(404),
)
async def interviews_get_transcript_coaching(
    request: Request,
    interview_id: uuid.UUID,
    principal: Annotated[Principal, require("transcripts", "read")],
    session: SessionDep,
) -> Response:
    """For each interviewer of the panel: what went well and what to improve, with numbers."""
    interview, transcript = await service.get_transcript(session, principal, interview_id)
    runtime_of(request).read_audit.record("transcript.coaching_read", "transcript", transcript.id)
    report = coaching.interview_report(interview, transcript)
    return json_response(InterviewCoachingRead.model_validate(report))


@evaluations_router.get(
    "/{evaluation_id}/suggested-evidence",
    response_model=EvidenceRead,
    responses=problem_openapi_responses(404),
)
async def evaluations_get_suggested_evidence(
    request: Request,
    evaluation_id: uuid.UUID,
    principal: Annotated[Principal, require("transcripts", "read")],
    session: SessionDep,
) -> Response:
    """Suggested evidence for a scorecard, from the interview's transcript.

    Candidate passages for the scorecard's competencies: suggestions for the evidence notes;
    the interviewer decides what to keep."""
    transcript, found = await evidence.for_evaluation(session, principal, evaluation_id)
    runtime_of(request).read_audit.record(
        "transcript.evidence_read", "transcript", transcript.id, evaluation_id=str(evaluation_id)
    )
    return json_response(EvidenceRead.model_validate(found))


@intakes_router.get(
    "/{intake_id}/transcripts/search",
    response_model=TranscriptSearchRead,
    responses=problem_openapi_responses(404),
)
async def intakes_search_transcripts(
    request: Request,
    intake_id: uuid.UUID,
    q: Annotated[
        str,
        Query(min_length=2, max_length=200, description="Words that must all appear (any case)."),
    ],
    principal: Annotated[Principal, require("transcripts", "search")],
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Search the intake's transcripts you may see; snippets mark each match with «…»."""
    if not search.words_of(q):
        raise ValidationFailed(
            "Search for at least one word.",
            errors=[FieldProblem("query.q", "no words to search for", "invalid")],
        )
    hits, more = await search.search(session, principal, intake_id, q, limit=limit)
    runtime_of(request).read_audit.record(
        "transcripts.searched", "intake", intake_id, hits=len(hits)
    )
    return json_response(TranscriptSearchRead(query=q, data=hits, has_more=more))
