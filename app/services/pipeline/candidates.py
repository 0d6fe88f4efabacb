"""Changing candidates: create (with duplicate detection or merge), update, upsert by external
id. Reads are in `candidate_queries`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import AnyUrl
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from app.core.etag import require_match
from app.models.base import table_of
from app.models.candidates import Candidate
from app.platform import external_ids
from app.platform.events import record_event
from app.schemas.candidates import CandidateCreate, CandidateUpdate
from app.services.intakes import rules

_candidate = table_of(Candidate).c

RESOURCE = "candidate"
LIST_FIELDS = ("other_emails", "skills", "tags")


def _not_found(candidate_id: uuid.UUID) -> NotFound:
    return NotFound(f"No candidate with id {candidate_id}.")


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
