"""Reading interviews: the intake's team sees all of the intake's, people whose role is
interviewer only the ones they sit on; admins and integrations everything."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, exists, or_, select

from app.core.db import CompiledQuery, Database
from app.core.errors import NotFound
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.core.roles import Role
from app.models.base import table_of
from app.models.intakes import IntakeTeamMember
from app.models.interviews import Interview, InterviewParticipant
from app.services.identity.access import unrestricted

_interview = table_of(Interview).c
_participant = table_of(InterviewParticipant).c
_member = table_of(IntakeTeamMember).c

_on_panel = exists().where(
    _participant.interview_id == _interview.id, _participant.user_id == bindparam("viewer")
)
_on_team = exists().where(
    _member.intake_id == _interview.intake_id, _member.user_id == bindparam("viewer")
)
_BY_ID = CompiledQuery(
    select(*table_of(Interview).c).where(_interview.id == bindparam("interview_id"))
)
_BY_ID_FOR_PANEL = CompiledQuery(
    select(*table_of(Interview).c).where(_interview.id == bindparam("interview_id"), _on_panel)
)
_BY_ID_FOR_TEAM_OR_PANEL = CompiledQuery(
    select(*table_of(Interview).c).where(
        _interview.id == bindparam("interview_id"), or_(_on_team, _on_panel)
    )
)

INTERVIEWS = ListQuery(
    "interviews",
    select(*table_of(Interview).c),
    filters={
        "panel_of": lambda p: exists().where(
            _participant.interview_id == _interview.id, _participant.user_id == p
        ),
        "team_or_panel_of": lambda p: or_(
            exists().where(_member.intake_id == _interview.intake_id, _member.user_id == p),
            exists().where(_participant.interview_id == _interview.id, _participant.user_id == p),
        ),
        "interviewer_id": lambda p: exists().where(
            _participant.interview_id == _interview.id, _participant.user_id == p
        ),
        "application_id": lambda p: _interview.application_id == p,
        "intake_id": lambda p: _interview.intake_id == p,
        "status": lambda p: _interview.status == p,
        "starts_after": lambda p: _interview.starts_at >= p,
        "starts_before": lambda p: _interview.starts_at < p,
        "updated_since": lambda p: _interview.updated_at >= p,
    },
    orders={
        "starts_at": Keyset((_interview.starts_at, _interview.id), ("datetime", "uuid")),
        "updated_at": Keyset((_interview.updated_at, _interview.id), ("datetime", "uuid")),
    },
)


def read_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """An interview row as the API shows it (`panel` under its wire name `interviewers`)."""
    values = dict(row)
    values["interviewers"] = values["panel"]
    return values


def row_of(interview: Interview) -> dict[str, Any]:
    """An ORM interview as the API shows it."""
    return read_values({c.key: getattr(interview, c.key) for c in table_of(Interview).columns})


def not_found(interview_id: uuid.UUID) -> NotFound:
    """The 404 for an interview that does not exist or is not the caller's to see."""
    return NotFound(f"No interview with id {interview_id}.")


async def get_interview(
    db: Database, principal: Principal, interview_id: uuid.UUID
) -> dict[str, Any]:
    """One interview: for admins and integrations, the intake's team, and its panel."""
    params = {"interview_id": interview_id, "viewer": principal.user_id}
    if unrestricted(principal):
        query = _BY_ID
    elif panel_only(principal):
        query = _BY_ID_FOR_PANEL
    else:
        query = _BY_ID_FOR_TEAM_OR_PANEL
    row = await db.fetch_one(query, params)
    if row is None:
        raise not_found(interview_id)
    return read_values(row)


def panel_only(principal: Principal) -> bool:
    """People whose role is interviewer see the interviews they sit on, not the intake's."""
    return principal.role is Role.INTERVIEWER


async def list_interviews(
    db: Database,
    cursors: CursorCodec,
    page: PageRequest,
    principal: Principal,
    **filters: Any,
) -> PageResult:
    """A page of the interviews the caller may see, soonest first (or by update time)."""
    order = "updated_at" if filters.get("updated_since") is not None else "starts_at"
    scope: dict[str, Any] = {}
    if not unrestricted(principal):
        key = "panel_of" if panel_only(principal) else "team_or_panel_of"
        scope[key] = principal.user_id
    if filters.get("status") is not None:
        filters["status"] = str(filters["status"])
    result = await INTERVIEWS.page(db, cursors, page, order=order, **scope, **filters)
    return PageResult([read_values(row) for row in result.rows], result.next_cursor)
