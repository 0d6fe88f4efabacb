"""An intake's way from draft to filled: review, sign-offs, agreement, opening, holds, close."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.errors import Conflict, FieldProblem, Forbidden, InvalidState, ValidationFailed
from app.core.principal import Principal
from app.models.base import table_of
from app.models.intakes import (
    Intake,
    IntakeQuestion,
    IntakeRevision,
    IntakeSignOff,
    IntakeStatus,
    SignOffParty,
)
from app.platform.events import record_event
from app.services.identity.access import unrestricted
from app.services.intakes import rules
from app.services.intakes.editing import (
    RESOURCE,
    load_for_change,
    record_status_change,
    snapshot,
)
from app.services.plans import editing as plans

_question = table_of(IntakeQuestion).c

S = IntakeStatus
# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[IntakeStatus], IntakeStatus]] = {
    "open": (frozenset({S.AGREED, S.ON_HOLD}), S.OPEN),
    "put_on_hold": (frozenset({S.OPEN}), S.ON_HOLD),
    "mark_filled": (frozenset({S.OPEN, S.ON_HOLD}), S.FILLED),
    "cancel": (frozenset({S.DRAFT, S.IN_REVIEW, S.AGREED, S.OPEN, S.ON_HOLD}), S.CANCELLED),
}
SIGNABLE = frozenset({S.IN_REVIEW, S.AGREED, S.OPEN, S.ON_HOLD})


def _ensure_status(intake: Intake, action: str, allowed: Iterable[IntakeStatus]) -> None:
    allowed = frozenset(allowed)
    if intake.status not in allowed:
        raise InvalidState(action.replace("_", " "), intake.status, allowed)


def _ensure_owner(principal: Principal, intake: Intake, action: str) -> None:
    if unrestricted(principal):
        return
    if principal.user_id != intake.recruiter_id:
        raise Forbidden(f"Only the intake's recruiter may {action.replace('_', ' ')} it.")


async def missing_answers(session: AsyncSession, intake: Intake) -> list[FieldProblem]:
    """The required standard questions this intake has not answered yet."""
    questions = (
        await session.execute(
            select(_question.id, _question.text)
            .where(_question.required.is_(True), _question.active.is_(True))
            .order_by(_question.position, _question.id)
        )
    ).all()
    return [
        FieldProblem(f"answers.{q.id}", f"required question not answered: {q.text}", "missing")
        for q in questions
        if not (intake.answers.get(str(q.id)) or "").strip()
    ]


async def submit_for_review(
    session: AsyncSession, principal: Principal, intake_id: uuid.UUID
) -> Intake:
    """Draft -> in review: the standard questions are answered and revision 1 is recorded."""
    intake = await load_for_change(session, principal, intake_id)
    _ensure_owner(principal, intake, "submit_for_review")
    _ensure_status(intake, "submit for review", {S.DRAFT})
    missing = await missing_answers(session, intake)
    if missing:
        raise ValidationFailed(
            "Answer the required intake questions before submitting.", errors=missing
        )
    now = utcnow()
    intake.status, intake.status_changed_at, intake.submitted_at = S.IN_REVIEW, now, now
    session.add(
        IntakeRevision(
            intake_id=intake.id,
            number=intake.revision,
            material=True,
            snapshot=snapshot(intake),
            changed_by_user_id=principal.user_id,
            changed_by_api_client_id=principal.api_client_id,
        )
    )
    await session.flush()
    record_event(
        session, "intake.submitted", (RESOURCE, intake.id), {"id": str(intake.id), "revision": 1}
    )
    record_status_change(session, intake, S.DRAFT)
    return intake


async def sign_off(
    session: AsyncSession, principal: Principal, intake_id: uuid.UUID, revision: int
) -> Intake:
    """The recruiter or the hiring manager signs the current revision; both -> agreed."""
    intake = await load_for_change(session, principal, intake_id)
    if principal.user_id == intake.recruiter_id:
        party = SignOffParty.RECRUITER
    elif principal.user_id == intake.hiring_manager_id:
        party = SignOffParty.HIRING_MANAGER
    else:
        raise Forbidden("Only the intake's recruiter and hiring manager sign it.")
    _ensure_status(intake, "sign off", SIGNABLE)
    if revision != intake.revision:
        raise Conflict(
            f"You signed revision {revision}, but the intake is at revision {intake.revision}; "
            "review the changes and sign the current revision.",
            extensions={"current_revision": intake.revision},
        )
    current = [s for s in intake.sign_offs if s["revision"] == revision]
    if any(s["party"] == party for s in current):
        return intake  # signing twice changes nothing
    signed = IntakeSignOff(
        intake_id=intake.id, revision=revision, party=party, user_id=principal.user_id
    )
    session.add(signed)
    entry = {
        "party": party.value,
        "user_id": str(principal.user_id),
        "revision": revision,
        "signed_at": signed.signed_at.isoformat(),
        "carried_over": False,
    }
    intake.sign_offs = [*current, entry]
    await session.flush()
    record_event(
        session,
        "intake.signed_off",
        (RESOURCE, intake.id),
        {"id": str(intake.id), "revision": revision, "party": party.value},
    )
    if rules.sign_off_status(intake.status, intake.revision, intake.sign_offs) == "signed":
        await _agree(session, intake)
    return intake


async def _agree(session: AsyncSession, intake: Intake) -> None:
    now = utcnow()
    if intake.interview_plan_id is not None:
        await plans.lock_for_agreement(session, intake.interview_plan_id)
    intake.agreed_revision = intake.revision
    # The first agreement starts the clock for time to fill; later re-agreements do not.
    intake.agreed_at = intake.agreed_at or now
    previous = intake.status
    if intake.status == S.IN_REVIEW:
        intake.status, intake.status_changed_at = S.AGREED, now
    await session.flush()
    record_event(
        session,
        "intake.agreed",
        (RESOURCE, intake.id),
        {"id": str(intake.id), "revision": intake.revision},
    )
    if intake.status != previous:
        record_status_change(session, intake, previous)


async def transition(
    session: AsyncSession,
    principal: Principal,
    intake_id: uuid.UUID,
    action: str,
    *,
    reason: str | None = None,
) -> Intake:
    """Open, put on hold, mark filled or cancel (the recruiter or an admin)."""
    allowed_from, target = TRANSITIONS[action]
    intake = await load_for_change(session, principal, intake_id)
    _ensure_owner(principal, intake, action)
    _ensure_status(intake, action, allowed_from)
    previous, now = intake.status, utcnow()
    intake.status, intake.status_changed_at = target, now
    if target == S.OPEN and intake.opened_at is None:
        intake.opened_at = now
    elif target == S.FILLED:
        intake.filled_at = now
    elif target == S.CANCELLED:
        intake.cancelled_at, intake.cancel_reason = now, reason
    await session.flush()
    record_status_change(session, intake, previous)
    return intake
