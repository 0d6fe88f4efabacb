"""Changing intakes: create, update (with revisions and sign-off rules), upsert by ATS id."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.context import current_actor
from app.core.errors import FieldProblem, Forbidden, InvalidState, ValidationFailed
from app.core.etag import require_match
from app.core.principal import Principal
from app.core.roles import Role
from app.models.intakes import Intake, IntakeRevision, IntakeSignOff, IntakeStatus, TeamRole
from app.platform import external_ids
from app.platform.events import record_event
from app.schemas.intakes import IntakeCreate, IntakeUpdate
from app.services.identity.access import unrestricted
from app.services.intakes import rules
from app.services.intakes.queries import (
    get_intake,
    list_intakes,
    load_for_change,
    read_model,
    row_of,
    visible_row,
)
from app.services.intakes.team import (
    check_consistency,
    extra_members,
    plan_version_for,
    store_team,
    stored_value,
    validate_answers,
    validate_people,
)

__all__ = [
    "RESOURCE",
    "apply_changes",
    "create_intake",
    "get_intake",
    "list_intakes",
    "load_for_change",
    "read_model",
    "row_of",
    "update_intake",
    "upsert_intake",
    "visible_row",
]

RESOURCE = "intake"


def _may_edit_everything(principal: Principal, intake: Intake | None) -> bool:
    if unrestricted(principal):
        return True
    # The owning recruiter (on creation: whoever creates it).
    return principal.role is Role.RECRUITER and (
        intake is None or intake.recruiter_id == principal.user_id
    )


def _check_editor(principal: Principal, intake: Intake, fields: set[str]) -> None:
    if _may_edit_everything(principal, intake):
        return
    if principal.user_id == intake.hiring_manager_id:
        outside = sorted(fields - rules.HIRING_MANAGER_FIELDS)
        if outside:
            raise Forbidden(
                "The hiring manager edits the requirements and answers; ask the recruiter "
                f"to change: {', '.join(outside)}.",
                extensions={"fields": outside},
            )
        return
    raise Forbidden("Only the intake's recruiter and hiring manager may change it.")


async def create_intake(session: AsyncSession, principal: Principal, data: IntakeCreate) -> Intake:
    """A new draft intake; the creating recruiter owns it unless `recruiter_id` says otherwise."""
    values = data.model_dump(exclude_none=True, exclude={"external_ids", "team"})
    if "recruiter_id" not in values:
        if principal.role is not Role.RECRUITER or principal.user_id is None:
            raise ValidationFailed(
                "Say who the recruiter is.",
                errors=[FieldProblem("body.recruiter_id", "required", "missing")],
            )
        values["recruiter_id"] = principal.user_id
    elif principal.role is Role.RECRUITER and values["recruiter_id"] != principal.user_id:
        raise Forbidden("Recruiters create intakes they own; leave out recruiter_id.")
    team_in = [m.model_dump() for m in data.team or []]
    await validate_people(session, {**values, "team": team_in})
    await validate_answers(session, values.get("answers"))
    intake = Intake(**{k: stored_value(k, v) for k, v in values.items()})
    intake.status_changed_at = utcnow()
    session.add(intake)
    await session.flush()
    await store_team(session, intake, team_in)
    for ref in data.external_ids:
        await link_external_id(session, intake, ref.source, ref.external_id)
    await session.flush()
    record_event(session, "intake.created", (RESOURCE, intake.id), _event_payload(intake))
    return intake


async def update_intake(
    session: AsyncSession,
    principal: Principal,
    intake_id: uuid.UUID,
    if_match: list[str] | None,
    data: IntakeUpdate,
) -> Intake:
    """Apply a partial update guarded by If-Match; from review on, each change is a revision."""
    intake = await load_for_change(session, principal, intake_id)
    require_match(if_match, intake.version)
    return await apply_changes(session, principal, intake, data.model_dump(exclude_unset=True))


async def apply_changes(
    session: AsyncSession, principal: Principal, intake: Intake, incoming: dict[str, Any]
) -> Intake:
    """Change fields (with every rule), record the revision and events; no-op when unchanged."""
    if intake.status not in rules.EDITABLE_STATUSES:
        raise InvalidState("change the intake", intake.status, rules.EDITABLE_STATUSES)
    team_in = incoming.pop("team", None)
    changes = _field_changes(intake, incoming)
    new_team = _team_change(intake, incoming, team_in, changes)
    if not changes:
        return intake
    _check_editor(principal, intake, set(changes))
    await _validate_changes(session, intake, incoming, changes, new_team)
    if "interview_plan_id" in changes:
        version = await plan_version_for(session, intake, incoming["interview_plan_id"])
        if version != intake.interview_plan_version:
            changes["interview_plan_version"] = {
                "from": intake.interview_plan_version,
                "to": version,
            }
        intake.interview_plan_version = version
    for field in changes:
        if field not in ("team", "interview_plan_version"):
            setattr(intake, field, stored_value(field, incoming[field]))
    if new_team is not None or {"recruiter_id", "hiring_manager_id"} & set(changes):
        await store_team(session, intake, new_team)
    await _record_change(session, intake, changes, bool(rules.MATERIAL_FIELDS & set(changes)))
    return intake


async def _record_change(
    session: AsyncSession, intake: Intake, changes: dict[str, Any], material: bool
) -> None:
    """A new revision once the intake is under review, the `intake.updated` event, and the
    status change a material change causes."""
    previous_status = intake.status
    if intake.status in rules.REVIEWED_STATUSES:
        await _new_revision(session, intake, changes, material=material)
    await session.flush()
    record_event(
        session,
        "intake.updated",
        (RESOURCE, intake.id),
        {**_event_payload(intake), "changes": changes, "material": material},
    )
    if intake.status != previous_status:
        record_status_change(session, intake, previous_status)


def _field_changes(intake: Intake, incoming: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """`{field: {"from", "to"}}` for every incoming value that differs from the stored one."""
    changes: dict[str, dict[str, Any]] = {}
    for field, value in incoming.items():
        old, new = (
            rules.jsonable(getattr(intake, field)),
            rules.jsonable(stored_value(field, value)),
        )
        if old != new:
            changes[field] = {"from": old, "to": new}
    return changes


def _team_change(
    intake: Intake,
    incoming: Mapping[str, Any],
    team_in: list[Any] | None,
    changes: dict[str, dict[str, Any]],
) -> list[Any] | None:
    """The new extra team (coordinators, interviewers) when it changes, noted in `changes`."""
    if team_in is None:
        return None
    current = [
        {"user_id": m["user_id"], "team_role": m["team_role"]}
        for m in intake.team
        if m["team_role"] in (TeamRole.COORDINATOR, TeamRole.INTERVIEWER)
    ]
    wanted = extra_members(
        team_in,
        incoming.get("recruiter_id") or intake.recruiter_id,
        incoming.get("hiring_manager_id") or intake.hiring_manager_id,
    )
    if current == wanted:
        return None
    changes["team"] = {"from": current, "to": wanted}
    return team_in


async def _validate_changes(
    session: AsyncSession,
    intake: Intake,
    incoming: Mapping[str, Any],
    changes: Mapping[str, Any],
    new_team: list[Any] | None,
) -> None:
    """The intake as it would be after the change must be whole and consistent (422s)."""
    merged = {f: getattr(intake, f) for f in rules.AGREEMENT_FIELDS if f != "team"}
    merged.update({f: incoming[f] for f in changes if f != "team"})
    if merged.get("title") is None:
        raise ValidationFailed(
            "An intake needs a title.", errors=[FieldProblem("body.title", "required", "missing")]
        )
    check_consistency(merged)
    if merged["recruiter_id"] == merged["hiring_manager_id"]:
        raise ValidationFailed(
            "The recruiter and the hiring manager must be different people.",
            errors=[FieldProblem("body.hiring_manager_id", "same as the recruiter", "same_person")],
        )
    # Only people who change are checked: a deactivated party does not block other edits.
    await validate_people(
        session,
        {
            "recruiter_id": merged["recruiter_id"] if "recruiter_id" in changes else None,
            "hiring_manager_id": (
                merged["hiring_manager_id"] if "hiring_manager_id" in changes else None
            ),
            "team": new_team or [],
        },
    )
    if "answers" in changes:
        await validate_answers(session, incoming["answers"])


async def _new_revision(
    session: AsyncSession, intake: Intake, changes: dict[str, Any], *, material: bool
) -> None:
    """Bump the revision. Cosmetic changes carry the sign-offs over; material ones clear them
    (and an agreed intake goes back to review)."""
    previous = intake.revision
    intake.revision = previous + 1
    actor = current_actor()
    session.add(
        IntakeRevision(
            intake_id=intake.id,
            number=intake.revision,
            material=material,
            snapshot=snapshot(intake),
            changes=changes,
            changed_by_user_id=actor.user_id if actor else None,
            changed_by_api_client_id=actor.api_client_id if actor else None,
        )
    )
    carried = []
    if not material:
        for signature in [s for s in intake.sign_offs if s["revision"] == previous]:
            session.add(
                IntakeSignOff(
                    intake_id=intake.id,
                    revision=intake.revision,
                    party=signature["party"],
                    user_id=uuid.UUID(signature["user_id"]),
                    signed_at=datetime.fromisoformat(signature["signed_at"]),
                    carried_over=True,
                )
            )
            carried.append({**signature, "revision": intake.revision, "carried_over": True})
    intake.sign_offs = carried
    if rules.sign_off_status(intake.status, intake.revision, carried) == "signed":
        intake.agreed_revision = intake.revision  # still what both signed, cosmetics aside
    if material and intake.status == IntakeStatus.AGREED:
        intake.status = IntakeStatus.IN_REVIEW
        intake.status_changed_at = utcnow()


def snapshot(intake: Intake) -> dict[str, Any]:
    """Everything the agreement covers, as JSON."""
    return {field: rules.jsonable(getattr(intake, field)) for field in rules.AGREEMENT_FIELDS}


async def note_plan_version(
    session: AsyncSession, intake: Intake, plan_id: uuid.UUID, version: int
) -> None:
    """The intake's plan is (now) `plan_id` at `version`; a change is material, so from
    review on both sides sign again."""
    changes: dict[str, Any] = {}
    if intake.interview_plan_id != plan_id:
        changes["interview_plan_id"] = {
            "from": rules.jsonable(intake.interview_plan_id),
            "to": str(plan_id),
        }
    if intake.interview_plan_version != version:
        changes["interview_plan_version"] = {"from": intake.interview_plan_version, "to": version}
    if not changes:
        return
    intake.interview_plan_id, intake.interview_plan_version = plan_id, version
    await _record_change(session, intake, changes, material=True)


def record_status_change(session: AsyncSession, intake: Intake, previous: str) -> None:
    """The `intake.status_changed` event."""
    record_event(
        session,
        "intake.status_changed",
        (RESOURCE, intake.id),
        {**_event_payload(intake), "from": str(previous), "to": str(intake.status)},
    )


def _event_payload(intake: Intake) -> dict[str, Any]:
    return {
        "id": str(intake.id),
        "title": intake.title,
        "status": str(intake.status),
        "revision": intake.revision,
        "recruiter_id": str(intake.recruiter_id),
        "hiring_manager_id": str(intake.hiring_manager_id),
    }


# --- External ids -----------------------------------------------------------------------------


async def link_external_id(
    session: AsyncSession, intake: Intake, source: str, external_id: str
) -> None:
    """Record an ATS id for the intake (409 if it belongs to another intake)."""
    if await external_ids.link(session, RESOURCE, intake.id, source, external_id):
        intake.external_ids = [*intake.external_ids, {"source": source, "external_id": external_id}]


async def upsert_intake(
    session: AsyncSession,
    principal: Principal,
    source: str,
    external_id: str,
    if_match: list[str] | None,
    data: IntakeCreate,
) -> tuple[Intake, bool]:
    """Create or update the intake an ATS id names; repeating the same body changes nothing.

    Returns the intake and whether it was created.
    """
    await external_ids.lock(session, RESOURCE, source, external_id)
    existing = await external_ids.find(session, RESOURCE, source, external_id)
    if existing is None:
        intake = await create_intake(session, principal, data)
        await link_external_id(session, intake, source, external_id)
        await session.flush()
        return intake, True
    intake = await load_for_change(session, principal, existing)
    if if_match is not None:
        require_match(if_match, intake.version)
    incoming = data.model_dump(exclude={"external_ids"})
    # A full replacement: fields the ATS leaves out go back to their defaults.
    for field, value in incoming.items():
        if value is None and field in Intake.model_fields and field != "recruiter_id":
            incoming[field] = Intake.model_fields[field].get_default(call_default_factory=True)
    if incoming.get("recruiter_id") is None:
        incoming["recruiter_id"] = intake.recruiter_id
    incoming["team"] = incoming.get("team") or []
    await apply_changes(session, principal, intake, incoming)
    for ref in data.external_ids:
        await link_external_id(session, intake, ref.source, ref.external_id)
    return intake, False
