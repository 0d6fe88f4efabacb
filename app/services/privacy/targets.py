"""The rows known to be about the candidate, by id: what each keeps (the facts insights need:
stage history timestamps, ratings, recommendations, decisions, on-time flags) and what goes
(everything they said, wrote or were described with)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.errors import Conflict
from app.models.base import table_of
from app.models.candidates import (
    Application,
    BriefingLink,
    Candidate,
    ImportJob,
    ImportStatus,
    StageChange,
)
from app.models.interviews import ApplicationDecision, Evaluation, EvaluationAmendment, Interview
from app.models.platform import ExternalRef
from app.models.transcripts import (
    DeletionReason,
    Recording,
    RecordingConsent,
    RecordingStatus,
    Transcript,
    TranscriptSegment,
)
from app.platform.storage import Storage, StoredFileMissing
from app.services.privacy.plan import ERASED, Needles, Plan, primary_key

ERASED_NAME = "Erased candidate"

_candidate = table_of(Candidate)
_application = table_of(Application)
_interview = table_of(Interview)
_evaluation = table_of(Evaluation)
_transcript = table_of(Transcript)


async def _rows(session: AsyncSession, table: Table, where: Any) -> list[Any]:
    return list((await session.execute(select(table).where(where))).mappings())


def _key(table: Table, row: Any) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in primary_key(table))


def _without_notes(ratings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "notes": None} if r.get("notes") is not None else r for r in ratings]


def _content_without_text(content: dict[str, Any]) -> dict[str, Any]:
    kept = dict(content)
    if "ratings" in kept:
        kept["ratings"] = _without_notes(kept["ratings"] or [])
    if kept.get("summary") is not None:
        kept["summary"] = None
    return kept


def plan_candidate(plan: Plan, candidate: Any, email_hash: str | None) -> None:
    """The candidate's own row: personal fields emptied, source and dates kept."""
    plan.update(
        _candidate,
        (candidate["id"],),
        {
            "full_name": ERASED_NAME,
            "search_name": ERASED_NAME.casefold(),
            "email": None,
            "other_emails": [],
            "phone": None,
            "location": None,
            "headline": None,
            "current_title": None,
            "current_company": None,
            "links": {},
            "skills": [],
            "pay_expectation_amount": None,
            "pay_expectation_currency": None,
            "pay_expectation_period": None,
            "notice_period_days": None,
            "tags": [],
            "consent": None,
            "external_ids": [],
            "erased_at": utcnow(),
            "erased_email_hash": email_hash,
            "updated_at": utcnow(),
            "version": candidate["version"] + 1,
        },
    )


async def plan_related(session: AsyncSession, plan: Plan, candidate_id: uuid.UUID) -> None:
    """Applications, their history, decisions, evaluations, briefing links, external ids,
    recordings (media deleted) and transcripts of the candidate."""
    applications = await _rows(session, _application, _application.c.candidate_id == candidate_id)
    application_ids = [a["id"] for a in applications]
    for a in applications:
        values: dict[str, Any] = {}
        if a["reason_note"] is not None:
            values["reason_note"] = None
        if a["external_ids"]:
            values["external_ids"] = []
        if values:
            plan.update(_application, _key(_application, a), values)
    await _plan_texts(session, plan, application_ids)
    refs = table_of(ExternalRef)
    for ref in await _rows(session, refs, refs.c.resource_id.in_([candidate_id, *application_ids])):
        plan.delete(refs, _key(refs, ref))
    links = table_of(BriefingLink)
    for link in await _rows(session, links, links.c.application_id.in_(application_ids)):
        plan.delete(links, _key(links, link))
    await _plan_media(session, plan, candidate_id)


async def _plan_texts(session: AsyncSession, plan: Plan, application_ids: list[Any]) -> None:
    changes = table_of(StageChange)
    for change in await _rows(session, changes, changes.c.application_id.in_(application_ids)):
        if change["reason"] is not None:
            plan.update(changes, _key(changes, change), {"reason": None})
    decisions = table_of(ApplicationDecision)
    for decision in await _rows(
        session, decisions, decisions.c.application_id.in_(application_ids)
    ):
        if decision["rationale"] != ERASED:
            plan.update(decisions, _key(decisions, decision), {"rationale": ERASED})
    evaluations = await _rows(
        session, _evaluation, _evaluation.c.application_id.in_(application_ids)
    )
    for e in evaluations:
        values: dict[str, Any] = {}
        if e["summary"] is not None:
            values["summary"] = None
        if _without_notes(e["ratings"] or []) != (e["ratings"] or []):
            values["ratings"] = _without_notes(e["ratings"] or [])
        if values:
            plan.update(_evaluation, _key(_evaluation, e), values)
    amendments = table_of(EvaluationAmendment)
    for amendment in await _rows(
        session, amendments, amendments.c.evaluation_id.in_([e["id"] for e in evaluations])
    ):
        before, after = (_content_without_text(amendment[k] or {}) for k in ("before", "after"))
        values = {"reason": ERASED} if amendment["reason"] != ERASED else {}
        if before != amendment["before"]:
            values["before"] = before
        if after != amendment["after"]:
            values["after"] = after
        if values:
            plan.update(amendments, _key(amendments, amendment), values)


async def _plan_media(session: AsyncSession, plan: Plan, candidate_id: uuid.UUID) -> None:
    consents = table_of(RecordingConsent)
    for consent in await _rows(session, consents, consents.c.candidate_id == candidate_id):
        plan.update(consents, _key(consents, consent), {"given_by": ERASED, "note": None})
    recordings = table_of(Recording)
    for recording in await _rows(session, recordings, recordings.c.candidate_id == candidate_id):
        if recording["storage_key"]:
            plan.files.add(recording["storage_key"])
        if recording["status"] != RecordingStatus.DELETED or recording["file_name"]:
            plan.update(
                recordings,
                _key(recordings, recording),
                {
                    "status": RecordingStatus.DELETED,
                    "deleted_at": recording["deleted_at"] or utcnow(),
                    "deletion_reason": recording["deletion_reason"] or DeletionReason.REQUEST,
                    "storage_key": None,
                    "file_name": None,
                },
            )
    transcripts = await _rows(session, _transcript, _transcript.c.candidate_id == candidate_id)
    segments = table_of(TranscriptSegment)
    for segment in await _rows(
        session, segments, segments.c.transcript_id.in_([t["id"] for t in transcripts])
    ):
        plan.delete(segments, _key(segments, segment))
    for transcript in transcripts:
        plan.delete(_transcript, _key(_transcript, transcript))


async def plan_import_files(
    session: AsyncSession, storage: Storage, plan: Plan, needles: Needles
) -> None:
    """Uploaded import files that hold the person are deleted (the import row stays as the
    record of the import); one still being processed is a 409, retried when it finishes."""
    jobs = table_of(ImportJob)
    for job in await _rows(session, jobs, jobs.c.stored_path != ""):
        if not await _file_holds(storage, job["stored_path"], needles):
            continue
        if job["status"] in (ImportStatus.QUEUED, ImportStatus.RUNNING):
            raise Conflict(
                f"Import {job['id']} with this candidate is still running; erase when it ends."
            )
        plan.files.add(job["stored_path"])


async def _file_holds(storage: Storage, key: str, needles: Needles) -> bool:
    overlap = max((len(n) for n in needles.searched), default=0) * 4
    tail = b""
    try:
        async for chunk in storage.read(key):
            window = tail + chunk
            if needles.found_in(window.decode("utf-8", errors="ignore")):
                return True
            tail = window[-overlap:] if overlap else b""
    except StoredFileMissing:
        return False
    return False
