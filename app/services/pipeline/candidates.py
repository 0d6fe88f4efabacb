"""Candidates: create (with duplicate detection or merge), read (audited), list, update,
upsert by external id. Interviewers see a narrow summary of the people they interview."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import AnyUrl
from sqlalchemy import ColumnElement, String, bindparam, cast, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import CompiledQuery, Database
from app.core.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from app.core.etag import require_match
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.core.roles import Role
from app.core.text import fold
from app.models.base import table_of
from app.models.candidates import Application, Candidate
from app.models.intakes import IntakeTeamMember
from app.platform import external_ids
from app.platform.audit import ReadAudit
from app.platform.events import record_event
from app.schemas.candidates import CandidateCreate, CandidateRead, CandidateSummary, CandidateUpdate
from app.services.identity.access import is_staff
from app.services.intakes import rules
from app.services.interviews.visibility import on_panel_of_application

_candidate = table_of(Candidate).c
_application = table_of(Application).c
_member = table_of(IntakeTeamMember).c

RESOURCE = "candidate"
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
LIST_FIELDS = ("other_emails", "skills", "tags")


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


def _document(value: Any) -> Any:
    """A nested input object as stored in JSON: URLs as text, unset keys left out (so the same
    input stored twice compares equal)."""
    if isinstance(value, dict):
        return {str(k): _document(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_document(v) for v in value]
    if isinstance(value, AnyUrl):
        return str(value)
    return rules.jsonable(value)


def _stored(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field in ("links", "consent"):
        return _document(value)
    if field in LIST_FIELDS:
        return list(dict.fromkeys(value))
    return value


async def _email_owner(session: AsyncSession, email: str | None) -> uuid.UUID | None:
    if not email:
        return None
    return (
        await session.execute(select(_candidate.id).where(_candidate.email == email))
    ).scalar_one_or_none()


async def create_candidate(
    session: AsyncSession, data: CandidateCreate, *, merge: bool = False
) -> tuple[Candidate, bool]:
    """A new candidate, or (with `merge`) the existing one with that e-mail, filled in.

    Returns the candidate and whether it was created. A duplicate e-mail without `merge` is a
    409 pointing at the existing candidate.
    """
    existing_id = await _email_owner(session, data.email)
    if existing_id is not None:
        return await _existing(session, existing_id, data, merge=merge), False
    values = data.model_dump(exclude_none=True, exclude={"external_ids"})
    candidate = Candidate(**{field: _stored(field, value) for field, value in values.items()})
    try:
        async with session.begin_nested():
            session.add(candidate)
            await session.flush()
    except IntegrityError:
        # A concurrent request created a candidate with this e-mail after our check (on
        # PostgreSQL our insert waited for its commit): answer as if it had come first.
        existing_id = await _email_owner(session, data.email)
        if existing_id is None:
            raise
        return await _existing(session, existing_id, data, merge=merge), False
    for ref in data.external_ids:
        await _link(session, candidate, ref.source, ref.external_id)
    await session.flush()
    record_event(session, "candidate.created", (RESOURCE, candidate.id), _payload(candidate))
    return candidate, True


async def _existing(
    session: AsyncSession, existing_id: uuid.UUID, data: CandidateCreate, *, merge: bool
) -> Candidate:
    """The candidate that has the e-mail already: a 409 naming it, or (merge) it filled in."""
    if not merge:
        raise Conflict(
            "A candidate with this e-mail address exists already.",
            extensions={"existing_id": str(existing_id)},
        )
    candidate = await _load(session, existing_id)
    await merge_into(session, candidate, data)
    return candidate


def add_checked(
    session: AsyncSession, data: CandidateCreate, refs: Sequence[tuple[str, str]] = ()
) -> Candidate:
    """Stage a new candidate with its ATS ids and `candidate.created`, without a flush: for
    callers that checked e-mail addresses and ids in bulk (imports)."""
    values = data.model_dump(exclude_none=True, exclude={"external_ids"})
    candidate = Candidate(
        **{field: _stored(field, value) for field, value in values.items()},
        external_ids=[
            {"source": source, "external_id": external_id} for source, external_id in refs
        ],
    )
    session.add(candidate)
    for source, external_id in refs:
        external_ids.add(session, RESOURCE, candidate.id, source, external_id)
    record_event(session, "candidate.created", (RESOURCE, candidate.id), _payload(candidate))
    return candidate


async def merge_into(session: AsyncSession, candidate: Candidate, data: CandidateCreate) -> None:
    """Merge rules: empty fields are filled, filled ones are kept; lists are joined; other
    e-mail addresses and external ids are added."""
    changes: dict[str, Any] = {}
    for field, value in data.model_dump(exclude_none=True, exclude={"external_ids"}).items():
        current = getattr(candidate, field)
        if field in LIST_FIELDS:
            joined = list(dict.fromkeys([*current, *value]))
            if joined != current:
                changes[field] = joined
        elif current in (None, "", {}, []):
            changes[field] = _stored(field, value)
    for field, value in changes.items():
        setattr(candidate, field, value)
    for ref in data.external_ids:
        await _link(session, candidate, ref.source, ref.external_id)
    await session.flush()
    if changes:
        record_event(
            session,
            "candidate.updated",
            (RESOURCE, candidate.id),
            {**_payload(candidate), "fields": sorted(changes), "merged": True},
        )


async def _load(session: AsyncSession, candidate_id: uuid.UUID) -> Candidate:
    candidate = (
        await session.execute(
            select(Candidate).where(_candidate.id == candidate_id).with_for_update()
        )
    ).scalar_one_or_none()
    if candidate is None:
        raise _not_found(candidate_id)
    return candidate


async def link_external_id(
    session: AsyncSession, candidate: Candidate, source: str, external_id: str
) -> None:
    """Record an ATS id for the candidate (409 if it names another candidate)."""
    await _link(session, candidate, source, external_id)


async def _link(session: AsyncSession, candidate: Candidate, source: str, external_id: str) -> None:
    if await external_ids.link(session, RESOURCE, candidate.id, source, external_id):
        candidate.external_ids = [
            *candidate.external_ids,
            {"source": source, "external_id": external_id},
        ]


async def update_candidate(
    session: AsyncSession,
    candidate_id: uuid.UUID,
    if_match: list[str] | None,
    data: CandidateUpdate,
) -> Candidate:
    """A partial update guarded by If-Match."""
    candidate = await _load(session, candidate_id)
    require_match(if_match, candidate.version)
    if candidate.erased_at is not None:
        # Erasure is final: the anonymous record keeps statistics, never personal data again.
        raise Conflict(
            f"Candidate {candidate_id} was erased; a returning person is a new candidate."
        )
    await apply_changes(session, candidate, data.model_dump(exclude_unset=True))
    return candidate


async def apply_changes(
    session: AsyncSession, candidate: Candidate, incoming: Mapping[str, Any]
) -> bool:
    """Set changed fields and record `candidate.updated`; False when nothing changed."""
    changes = {
        field: _stored(field, value)
        for field, value in incoming.items()
        if rules.jsonable(getattr(candidate, field)) != rules.jsonable(_stored(field, value))
    }
    if not changes:
        return False
    merged = {
        f: getattr(candidate, f) for f in ("pay_expectation_amount", "pay_expectation_currency")
    }
    merged.update({k: v for k, v in changes.items() if k in merged})
    if merged["pay_expectation_amount"] is not None and not merged["pay_expectation_currency"]:
        raise ValidationFailed(
            "A pay expectation needs a currency.",
            errors=[FieldProblem("body.pay_expectation_currency", "required", "missing")],
        )
    if "email" in changes:
        owner = await _email_owner(session, changes["email"])
        if owner is not None and owner != candidate.id:
            raise Conflict(
                "Another candidate has this e-mail address.",
                extensions={"existing_id": str(owner)},
            )
    for field, value in changes.items():
        setattr(candidate, field, value)
    await session.flush()
    record_event(
        session,
        "candidate.updated",
        (RESOURCE, candidate.id),
        {**_payload(candidate), "fields": sorted(changes)},
    )
    return True


async def upsert_candidate(
    session: AsyncSession,
    source: str,
    external_id: str,
    if_match: list[str] | None,
    data: CandidateCreate,
) -> tuple[Candidate, bool]:
    """Create or replace the candidate an ATS id names; the same body again changes nothing."""
    await external_ids.lock(session, RESOURCE, source, external_id)
    existing = await external_ids.find(session, RESOURCE, source, external_id)
    if existing is None:
        candidate, created = await create_candidate(session, data)
        await _link(session, candidate, source, external_id)
        await session.flush()
        return candidate, created
    candidate = await _load(session, existing)
    if if_match is not None:
        require_match(if_match, candidate.version)
    incoming = data.model_dump(exclude={"external_ids"})
    for field, value in incoming.items():
        if value is None and field in Candidate.model_fields:
            incoming[field] = Candidate.model_fields[field].get_default(call_default_factory=True)
    await apply_changes(session, candidate, incoming)
    for ref in data.external_ids:
        await _link(session, candidate, ref.source, ref.external_id)
    return candidate, False


def _payload(candidate: Candidate) -> dict[str, Any]:
    # Events carry ids, not personal data: subscribers fetch what their scopes allow.
    return {"id": str(candidate.id), "source": candidate.source}
