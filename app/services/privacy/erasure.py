"""Erase a candidate: every copy of their personal data anonymised or deleted, in one
transaction, with a dry run that reports exactly what the real run changes."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, NotFound
from app.models.base import table_of
from app.models.candidates import Candidate
from app.platform.audit import record_audit
from app.platform.events import record_event
from app.platform.storage import Storage
from app.services.privacy.plan import Needles, Plan
from app.services.privacy.sweep import sweep
from app.services.privacy.targets import plan_candidate, plan_import_files, plan_related

_candidate = table_of(Candidate)


@dataclass(frozen=True)
class ErasureResult:
    """What an erasure changed (or, in a dry run, would change)."""

    candidate_id: uuid.UUID
    dry_run: bool
    erased_at: datetime | None
    changes: list[dict[str, Any]]
    files: list[str]


def email_hash(secret: str, email: str) -> str:
    """The keyed hash (HMAC-SHA256 with the app secret) that recognises an erased e-mail."""
    digest = hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256)
    return digest.hexdigest()


async def erase_candidate(
    session: AsyncSession,
    storage: Storage,
    secret: str,
    candidate_id: uuid.UUID,
    *,
    dry_run: bool,
) -> ErasureResult:
    """Plan the erasure; unless a dry run, apply it, delete the files, audit, emit the event."""
    candidate = (
        (await session.execute(select(_candidate).where(_candidate.c.id == candidate_id)))
        .mappings()
        .one_or_none()
    )
    if candidate is None:
        raise NotFound(f"No candidate with id {candidate_id}.")
    if candidate["erased_at"] is not None:
        raise Conflict(f"Candidate {candidate_id} was erased at {candidate['erased_at']}.")
    plan = await _plan(session, storage, secret, candidate)
    result = ErasureResult(
        candidate_id=candidate_id,
        dry_run=dry_run,
        erased_at=None,
        changes=plan.changes(),
        files=sorted(plan.files),
    )
    if dry_run:
        return result
    await plan.apply(session)
    for key in sorted(plan.files):
        await storage.delete(key)
    erased_at = plan.updates[_candidate.name][(candidate_id,)]["erased_at"]
    tables = {c["table"]: c["rows"] for c in result.changes}
    record_audit(
        session,
        "candidate.erased",
        object_type="candidate",
        object_id=candidate_id,
        details={"rows": tables, "files": len(plan.files)},
    )
    record_event(
        session,
        "candidate.erased",
        ("candidate", candidate_id),
        {"id": str(candidate_id), "erased_at": erased_at.isoformat()},
    )
    await session.flush()
    return ErasureResult(candidate_id, False, erased_at, result.changes, result.files)


async def _plan(session: AsyncSession, storage: Storage, secret: str, candidate: Any) -> Plan:
    contact = [candidate["email"], candidate["phone"], *(candidate["other_emails"] or [])]
    needles = Needles([candidate["full_name"], *contact])
    plan = Plan()
    hashed = email_hash(secret, candidate["email"]) if candidate["email"] else None
    plan_candidate(plan, candidate, hashed)
    await plan_related(session, plan, candidate["id"])
    await plan_import_files(session, storage, plan, needles)
    await sweep(session, needles, Needles(contact), plan)
    return plan
