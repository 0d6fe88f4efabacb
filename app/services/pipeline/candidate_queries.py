"""Reading candidates: one (audited), a searched page, and what each caller may see of them.
Interviewers see a narrow summary of the people they interview."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, cast, exists, or_, select

from app.core.db import CompiledQuery, Database
from app.core.errors import Forbidden, NotFound
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.core.roles import Role
from app.core.text import fold
from app.models.base import table_of
from app.models.candidates import Application, Candidate
from app.models.intakes import IntakeTeamMember
from app.platform.audit import ReadAudit
from app.schemas.candidates import CandidateRead, CandidateSummary
from app.services.identity.access import is_staff
from app.services.interviews.visibility import on_panel_of_application

_candidate = table_of(Candidate).c
_application = table_of(Application).c
_member = table_of(IntakeTeamMember).c

SUMMARY_FIELDS = (
    "view",
    "id",
    "full_name",
    "headline",
    "current_title",
    "current_company",
    "location",
    "links",
    "skills",
)


def _reaches(viewer: Any) -> ColumnElement[bool]:
    """A candidate reaches a person through an application on an intake whose team they are
    on, or through an interview of theirs the person sits on."""
    return or_(
        exists().where(
            _application.candidate_id == _candidate.id,
            _member.intake_id == _application.intake_id,
            _member.user_id == viewer,
        ),
        exists().where(
            _application.candidate_id == _candidate.id,
            on_panel_of_application(_application.id, viewer),
        ),
    )


_through_team = _reaches(bindparam("viewer"))
_BY_ID = CompiledQuery(
    select(*table_of(Candidate).c).where(_candidate.id == bindparam("candidate_id"))
)
_BY_ID_THROUGH_TEAM = CompiledQuery(
    select(*table_of(Candidate).c).where(_candidate.id == bindparam("candidate_id"), _through_team)
)

CANDIDATES = ListQuery(
    "candidates",
    select(*table_of(Candidate).c),
    filters={
        "viewer": _reaches,
        # Names match folded (any case, any accents); e-mail addresses are stored lower-case.
        "text_like": lambda p: or_(
            _candidate.search_name.like(p, escape="\\"),
            _candidate.email.like(p, escape="\\"),
        ),
        "name_like": lambda p: _candidate.search_name.like(p, escape="\\"),
        "source": lambda p: _candidate.source == p,
        # Tags are a JSON array of lower-case strings: match the quoted tag in its text.
        "tag_like": lambda p: cast(_candidate.tags, String).like(p, escape="\\"),
        "updated_since": lambda p: _candidate.updated_at >= p,
    },
    orders={
        "id": Keyset((_candidate.id,), ("uuid",)),
        "updated_at": Keyset((_candidate.updated_at, _candidate.id), ("datetime", "uuid")),
    },
)


def summary_only(principal: Principal) -> bool:
    """Interviewers see a summary: no contact data, pay or other applications."""
    return principal.role is Role.INTERVIEWER


def _not_found(candidate_id: uuid.UUID) -> NotFound:
    return NotFound(f"No candidate with id {candidate_id}.")


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def shape(principal: Principal, row: Mapping[str, Any]) -> dict[str, Any]:
    """A candidate row as this caller may see it (with `version` for the ETag)."""
    values = dict(row)
    values["external_ids"] = [
        {"source": e["source"], "external_id": e["external_id"]} for e in values["external_ids"]
    ]
    if summary_only(principal):
        values["view"] = "summary"
        return {key: values[key] for key in (*SUMMARY_FIELDS, "version")}
    values["view"] = "full"
    return values


def view_schema(principal: Principal) -> type[CandidateRead] | type[CandidateSummary]:
    """The schema of what this caller sees of a candidate: interviewers get the summary."""
    return CandidateSummary if summary_only(principal) else CandidateRead


async def get_candidate(
    db: Database, audit: ReadAudit, principal: Principal, candidate_id: uuid.UUID
) -> dict[str, Any]:
    """One candidate the caller may see (404 otherwise), shaped by `view_schema`; the read of
    personal data is audited."""
    if is_staff(principal):
        row = await db.fetch_one(_BY_ID, {"candidate_id": candidate_id})
    else:
        row = await db.fetch_one(
            _BY_ID_THROUGH_TEAM, {"candidate_id": candidate_id, "viewer": principal.user_id}
        )
    if row is None:
        raise _not_found(candidate_id)
    audit.record("candidate.read", "candidate", candidate_id)
    return shape(principal, row)


async def list_candidates(
    db: Database,
    cursors: CursorCodec,
    audit: ReadAudit,
    page: PageRequest,
    principal: Principal,
    *,
    q: str | None,
    tag: str | None,
    source: str | None,
    updated_since: datetime | None,
) -> PageResult:
    """A page of the candidates the caller may see, searched and filtered, shaped by
    `view_schema`; the search is audited."""
    summary = summary_only(principal)
    if summary and (tag is not None or source is not None):
        # Tags and sources are not in the summary: filtering by them would reveal them.
        raise Forbidden("Interviewers search candidates by name only.")
    text = fold(q) if q else None
    result = await CANDIDATES.page(
        db,
        cursors,
        page,
        order="updated_at" if updated_since is not None else "id",
        viewer=None if is_staff(principal) else principal.user_id,
        text_like=_like(text) if text and not summary else None,
        name_like=_like(text) if text and summary else None,
        tag_like=_like(f'"{tag.lower()}"') if tag else None,
        source=source,
        updated_since=updated_since,
    )
    # Whether a name was searched, never the text: a searched name is personal data and the
    # audit log is append-only.
    audit.record(
        "candidates.listed", "candidate", "*", count=len(result.rows), searched=bool(q), tag=tag
    )
    return PageResult([shape(principal, row) for row in result.rows], result.next_cursor)
