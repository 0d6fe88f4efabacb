"""Reading intakes: who may see which, the read model with computed state, lists."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import CompiledQuery, Database
from app.core.errors import NotFound
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.models.base import table_of
from app.models.intakes import Intake, IntakeStatus, IntakeTeamMember
from app.schemas.intakes import IntakeRead
from app.services.identity.access import unrestricted
from app.services.intakes import rules

_intake = table_of(Intake).c
_member = table_of(IntakeTeamMember).c

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


def read_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """The API's view of an intake row as plain values, shaped exactly like `IntakeRead`
    (hot reads write these with orjson; the contract tests compare them with pydantic's)."""
    values = dict(row)
    revision = values["revision"]
    current = [_sign_off(s) for s in values["sign_offs"] if s["revision"] == revision]
    values["sign_offs"] = current
    values["sign_off_status"] = rules.sign_off_status(values["status"], revision, current)
    values["deadlines"] = rules.deadlines(values, utcnow().date())
    # PostgreSQL's JSONB keeps its own key order: rebuild nested objects in schema order.
    values["must_haves"] = [_requirement(r) for r in values["must_haves"]]
    values["nice_to_haves"] = [_requirement(r) for r in values["nice_to_haves"]]
    values["team"] = [
        {"user_id": m["user_id"], "team_role": m["team_role"]} for m in values["team"]
    ]
    values["external_ids"] = [
        {"source": e["source"], "external_id": e["external_id"]} for e in values["external_ids"]
    ]
    cadence = values["sync_cadence"]
    if cadence is not None:
        values["sync_cadence"] = {"frequency": cadence["frequency"], "weekday": cadence["weekday"]}
    return values


def read_model(row: Mapping[str, Any]) -> IntakeRead:
    """The API's view of an intake row as the schema instance."""
    return IntakeRead.model_validate(read_values(row))


def _requirement(stored: Mapping[str, Any]) -> dict[str, Any]:
    return {"item": stored["item"], "why": stored.get("why")}


def _sign_off(stored: Mapping[str, Any]) -> dict[str, Any]:
    signed_at = stored["signed_at"]
    if isinstance(signed_at, str) and signed_at.endswith("+00:00"):
        signed_at = signed_at[:-6] + "Z"  # as every other UTC timestamp is written
    return {
        "party": stored["party"],
        "user_id": stored["user_id"],
        "revision": stored["revision"],
        "signed_at": signed_at,
        "carried_over": stored.get("carried_over", False),
    }


def row_of(intake: Intake) -> dict[str, Any]:
    """An ORM intake as a row mapping (to build the read model after a write)."""
    return {column.key: getattr(intake, column.key) for column in table_of(Intake).columns}


def _not_found(intake_id: uuid.UUID) -> NotFound:
    return NotFound(f"No intake with id {intake_id}.")


async def visible_row(
    db: Database, principal: Principal, intake_id: uuid.UUID
) -> Mapping[str, Any]:
    """An intake's row, if the caller may see it (404 otherwise, whether or not it exists)."""
    if unrestricted(principal):
        row = await db.fetch_one(_BY_ID, {"intake_id": intake_id})
    else:
        row = await db.fetch_one(
            _BY_ID_FOR_VIEWER, {"intake_id": intake_id, "viewer": principal.user_id}
        )
    if row is None:
        raise _not_found(intake_id)
    return row


async def get_intake(db: Database, principal: Principal, intake_id: uuid.UUID) -> dict[str, Any]:
    """One intake the caller may see, as read values (with `version`, for the ETag)."""
    return read_values(await visible_row(db, principal, intake_id))


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
) -> PageResult:
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
        viewer=None if unrestricted(principal) else principal.user_id,
        status=str(status) if status is not None else None,
        recruiter_id=recruiter_id,
        hiring_manager_id=hiring_manager_id,
        updated_since=updated_since,
        title_like=title_like,
    )
    return PageResult([read_values(row) for row in result.rows], result.next_cursor)


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
    if unrestricted(principal):
        return True
    member = await session.execute(
        select(_member.user_id).where(
            _member.intake_id == intake.id, _member.user_id == principal.user_id
        )
    )
    return member.first() is not None
