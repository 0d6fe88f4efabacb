"""Intakes: create, read, list, update (with revisions) and upsert by external id."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.context import current_actor
from app.core.db import CompiledQuery, Database
from app.core.errors import FieldProblem, Forbidden, InvalidState, NotFound, ValidationFailed
from app.core.etag import require_match
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.models.base import table_of
from app.models.identity import Role, User
from app.models.intakes import (
    Intake,
    IntakeQuestion,
    IntakeRevision,
    IntakeSignOff,
    IntakeStatus,
    IntakeTeamMember,
    TeamRole,
)
from app.schemas.intakes import IntakeCreate, IntakeRead, IntakeUpdate, check_ranges
from app.services import external_ids
from app.services import intake_rules as rules
from app.services.events import record_event

_intake = table_of(Intake).c
_member = table_of(IntakeTeamMember).c
_user = table_of(User).c
_question = table_of(IntakeQuestion).c

RESOURCE = "intake"

_on_team = exists().where(_member.intake_id == _intake.id, _member.user_id == bindparam("viewer"))
_BY_ID = CompiledQuery(select(*table_of(Intake).c).where(_intake.id == bindparam("intake_id")))
_BY_ID_FOR_VIEWER = CompiledQuery(
    select(*table_of(Intake).c).where(_intake.id == bindparam("intake_id"), _on_team)
)

INTAKES = ListQuery(
    "intakes",
    select(*table_of(Intake).c),
    filters={
        "viewer": lambda p: exists().where(_member.intake_id == _intake.id, _member.user_id == p),
        "status": lambda p: _intake.status == p,
        "recruiter_id": lambda p: _intake.recruiter_id == p,
        "hiring_manager_id": lambda p: _intake.hiring_manager_id == p,
        "updated_since": lambda p: _intake.updated_at >= p,
        "title_like": lambda p: func.lower(_intake.title).like(p, escape="\\"),
    },
    orders={
        "id": Keyset((_intake.id,), ("uuid",)),
        "updated_at": Keyset((_intake.updated_at, _intake.id), ("datetime", "uuid")),
    },
)


# --- Reading ----------------------------------------------------------------------------------


def sees_every_intake(principal: Principal) -> bool:
    """Admins and integrations acting for themselves see every intake; others their team's."""
    return principal.role is Role.ADMIN or (principal.is_api_client and not principal.on_behalf_of)


def read_model(row: Mapping[str, Any]) -> IntakeRead:
    """The API's view of an intake row, with its computed sign-off state and deadlines."""
    values = dict(row)
    current = [s for s in values["sign_offs"] if s["revision"] == values["revision"]]
    values["sign_offs"] = current
    values["sign_off_status"] = rules.sign_off_status(values["status"], values["revision"], current)
    values["deadlines"] = rules.deadlines(values, utcnow().date())
    return IntakeRead.model_validate(values)


def row_of(intake: Intake) -> dict[str, Any]:
    """An ORM intake as a row mapping (to build the read model after a write)."""
    return {column.key: getattr(intake, column.key) for column in table_of(Intake).columns}


def _not_found(intake_id: uuid.UUID) -> NotFound:
    return NotFound(f"No intake with id {intake_id}.")


async def visible_row(
    db: Database, principal: Principal, intake_id: uuid.UUID
) -> Mapping[str, Any]:
    """An intake's row, if the caller may see it (404 otherwise, whether or not it exists)."""
    if sees_every_intake(principal):
        row = await db.fetch_one(_BY_ID, {"intake_id": intake_id})
    else:
        row = await db.fetch_one(
            _BY_ID_FOR_VIEWER, {"intake_id": intake_id, "viewer": principal.user_id}
        )
    if row is None:
        raise _not_found(intake_id)
    return row


async def get_intake(
    db: Database, principal: Principal, intake_id: uuid.UUID
) -> tuple[IntakeRead, int]:
    """One intake the caller may see, and its version (for the ETag)."""
    row = await visible_row(db, principal, intake_id)
    return read_model(row), int(row["version"])


async def list_intakes(
    db: Database,
    cursors: CursorCodec,
    page: PageRequest,
    principal: Principal,
    *,
    status: IntakeStatus | None = None,
    recruiter_id: uuid.UUID | None = None,
    hiring_manager_id: uuid.UUID | None = None,
    updated_since: datetime | None = None,
    q: str | None = None,
) -> tuple[list[IntakeRead], PageResult]:
    """A page of the intakes the caller may see, filtered; by `updated_at` when syncing."""
    title_like = None
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        title_like = f"%{escaped}%"
    result = await INTAKES.page(
        db,
        cursors,
        page,
        order="updated_at" if updated_since is not None else "id",
        viewer=None if sees_every_intake(principal) else principal.user_id,
        status=str(status) if status is not None else None,
        recruiter_id=recruiter_id,
        hiring_manager_id=hiring_manager_id,
        updated_since=updated_since,
        title_like=title_like,
    )
    return [read_model(row) for row in result.rows], result


async def load_for_change(
    session: AsyncSession, principal: Principal, intake_id: uuid.UUID
) -> Intake:
    """Lock an intake the caller may see (404 otherwise) for a change."""
    intake = (
        await session.execute(select(Intake).where(_intake.id == intake_id).with_for_update())
    ).scalar_one_or_none()
    if intake is None or not await _may_see(session, principal, intake):
        raise _not_found(intake_id)
    return intake


async def _may_see(session: AsyncSession, principal: Principal, intake: Intake) -> bool:
    if sees_every_intake(principal):
        return True
    member = await session.execute(
        select(_member.user_id).where(
            _member.intake_id == intake.id, _member.user_id == principal.user_id
        )
    )
    return member.first() is not None


# --- Writing ----------------------------------------------------------------------------------


def _may_edit_everything(principal: Principal, intake: Intake | None) -> bool:
    if principal.role is Role.ADMIN or (principal.is_api_client and not principal.on_behalf_of):
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


async def _validate_people(session: AsyncSession, values: Mapping[str, Any]) -> None:
    """Team members exist, are active, and have roles that fit their part."""
    wanted: list[tuple[str, uuid.UUID, frozenset[Role]]] = []
    if values.get("recruiter_id") is not None:
        wanted.append(
            ("body.recruiter_id", values["recruiter_id"], frozenset({Role.RECRUITER, Role.ADMIN}))
        )
    if values.get("hiring_manager_id") is not None:
        wanted.append(
            (
                "body.hiring_manager_id",
                values["hiring_manager_id"],
                frozenset({Role.HIRING_MANAGER, Role.ADMIN}),
            )
        )
    for i, member in enumerate(values.get("team") or []):
        roles = (
            frozenset({Role.RECRUITER, Role.ADMIN})
            if member["team_role"] == TeamRole.COORDINATOR
            else frozenset(Role)
        )
        wanted.append((f"body.team[{i}].user_id", member["user_id"], roles))
    if not wanted:
        return
    ids = {user_id for _, user_id, _ in wanted}
    found = {
        row.id: row
        for row in (
            await session.execute(
                select(_user.id, _user.role, _user.is_active).where(_user.id.in_(ids))
            )
        ).all()
    }
    problems = []
    for location, user_id, roles in wanted:
        user = found.get(user_id)
        if user is None or not user.is_active:
            problems.append(FieldProblem(location, "no active user with this id", "unknown_user"))
        elif Role(user.role) not in roles:
            allowed = ", ".join(sorted(r.value for r in roles))
            problems.append(
                FieldProblem(location, f"this user's role must be one of: {allowed}", "wrong_role")
            )
    if values.get("recruiter_id") is not None and values.get("recruiter_id") == values.get(
        "hiring_manager_id"
    ):
        problems.append(
            FieldProblem("body.hiring_manager_id", "must differ from the recruiter", "same_person")
        )
    if problems:
        raise ValidationFailed("Some people on the hiring team are not valid.", errors=problems)


async def _validate_answers(session: AsyncSession, answers: Mapping[Any, Any] | None) -> None:
    if not answers:
        return
    known = set((await session.execute(select(_question.id))).scalars().all())
    unknown = [key for key in answers if uuid.UUID(str(key)) not in known]
    if unknown:
        raise ValidationFailed(
            "Answers refer to questions that do not exist.",
            errors=[
                FieldProblem(f"body.answers.{key}", "unknown question", "unknown_question")
                for key in unknown
            ],
        )


def _check_ranges(values: Mapping[str, Any]) -> None:
    try:
        check_ranges(dict(values))
    except ValueError as exc:
        raise ValidationFailed(
            str(exc), errors=[FieldProblem("body", str(exc), "inconsistent")]
        ) from None


def _team_json(intake: Intake, members: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    team = [
        {"user_id": str(intake.recruiter_id), "team_role": TeamRole.RECRUITER.value},
        {"user_id": str(intake.hiring_manager_id), "team_role": TeamRole.HIRING_MANAGER.value},
    ]
    seen = {intake.recruiter_id, intake.hiring_manager_id}
    for member in members:
        if member["user_id"] not in seen:
            seen.add(member["user_id"])
            team.append({"user_id": str(member["user_id"]), "team_role": str(member["team_role"])})
    return team


async def _store_team(
    session: AsyncSession, intake: Intake, members: Sequence[Mapping[str, Any]] | None
) -> None:
    """Replace the team rows (and their read-model copy); None keeps coordinators/interviewers."""
    if members is None:
        members = [
            {"user_id": uuid.UUID(m["user_id"]), "team_role": m["team_role"]}
            for m in intake.team
            if m["team_role"] in (TeamRole.COORDINATOR, TeamRole.INTERVIEWER)
        ]
    team = _team_json(intake, members)
    await session.execute(delete(IntakeTeamMember).where(_member.intake_id == intake.id))
    session.add_all(
        IntakeTeamMember(
            intake_id=intake.id, user_id=uuid.UUID(m["user_id"]), team_role=TeamRole(m["team_role"])
        )
        for m in team
    )
    intake.team = team


def _stored(field: str, value: Any) -> Any:
    """A validated input value in the form the model column holds."""
    if field == "answers" and value is not None:
        return {str(k): v for k, v in value.items()}
    if field in ("must_haves", "nice_to_haves", "sync_cadence") and value is not None:
        return rules.jsonable(value)
    return value


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
    await _validate_people(session, {**values, "team": team_in})
    await _validate_answers(session, values.get("answers"))
    intake = Intake(**{k: _stored(k, v) for k, v in values.items()})
    intake.status_changed_at = utcnow()
    session.add(intake)
    await session.flush()
    await _store_team(session, intake, team_in)
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
    changes: dict[str, dict[str, Any]] = {}
    for field, value in incoming.items():
        new = _stored(field, value)
        if rules.jsonable(getattr(intake, field)) != rules.jsonable(new):
            changes[field] = {
                "from": rules.jsonable(getattr(intake, field)),
                "to": rules.jsonable(new),
            }
    new_team = None
    if team_in is not None:
        current = [
            {"user_id": m["user_id"], "team_role": m["team_role"]}
            for m in intake.team
            if m["team_role"] in (TeamRole.COORDINATOR, TeamRole.INTERVIEWER)
        ]
        wanted = [{"user_id": str(m["user_id"]), "team_role": str(m["team_role"])} for m in team_in]
        if current != wanted:
            changes["team"] = {"from": current, "to": wanted}
            new_team = team_in
    if not changes:
        return intake
    _check_editor(principal, intake, set(changes))
    merged = {f: getattr(intake, f) for f in rules.AGREEMENT_FIELDS if f != "team"}
    merged.update({f: incoming[f] for f in changes if f != "team"})
    if merged.get("title") is None:
        raise ValidationFailed(
            "An intake needs a title.", errors=[FieldProblem("body.title", "required", "missing")]
        )
    _check_ranges(merged)
    await _validate_people(
        session,
        {
            "recruiter_id": merged["recruiter_id"] if "recruiter_id" in changes else None,
            "hiring_manager_id": merged["hiring_manager_id"],
            "team": new_team or [],
        },
    )
    if "answers" in changes:
        await _validate_answers(session, incoming["answers"])
    for field in changes:
        if field != "team":
            setattr(intake, field, _stored(field, incoming[field]))
    if new_team is not None or {"recruiter_id", "hiring_manager_id"} & set(changes):
        await _store_team(session, intake, new_team)
    previous_status = intake.status
    material = bool(rules.MATERIAL_FIELDS & set(changes))
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
    return intake


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
        if value is None and field in Intake.model_fields:
            incoming[field] = Intake.model_fields[field].get_default(call_default_factory=True)
    if incoming.get("recruiter_id") is None:
        incoming["recruiter_id"] = intake.recruiter_id
    incoming["team"] = incoming.get("team") or []
    await apply_changes(session, principal, intake, incoming)
    for ref in data.external_ids:
        await link_external_id(session, intake, ref.source, ref.external_id)
    return intake, False
