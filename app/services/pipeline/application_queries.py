"""Reading applications: who sees which (the intake's team and the panels), one application with
its computed review state, lists and the stage history."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, or_, select

from app.core.clock import utcnow
from app.core.db import CompiledQuery, Database
from app.core.errors import (
    NotFound,
)
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.models.base import table_of
from app.models.candidates import Application, StageChange
from app.models.intakes import IntakeTeamMember
from app.services.identity.access import unrestricted
from app.services.interviews.visibility import on_panel_of_application

REVIEW_STAGES = ("shortlisted", "hm_review")
_application = table_of(Application).c
_change = table_of(StageChange).c
_member = table_of(IntakeTeamMember).c


def _visible_to(viewer: Any) -> ColumnElement[bool]:
    """The intake's hiring team, and the people on the panel of one of its interviews."""
    return or_(
        exists().where(_member.intake_id == _application.intake_id, _member.user_id == viewer),
        on_panel_of_application(_application.id, viewer),
    )


_on_team = _visible_to(bindparam("viewer"))
# An OR of equalities rather than IN: compiled statements cannot hold expanding parameters.
_in_review = or_(*(_application.stage == stage for stage in REVIEW_STAGES))
_BY_ID = CompiledQuery(
    select(*table_of(Application).c).where(_application.id == bindparam("application_id"))
)
_BY_ID_FOR_VIEWER = CompiledQuery(
    select(*table_of(Application).c).where(_application.id == bindparam("application_id"), _on_team)
)
APPLICATIONS = ListQuery(
    "applications",
    select(*table_of(Application).c),
    filters={
        "viewer": _visible_to,
        "intake_id": lambda p: _application.intake_id == p,
        "candidate_id": lambda p: _application.candidate_id == p,
        "stage": lambda p: _application.stage == p,
        "status": lambda p: _application.status == p,
        "recruiter_id": lambda p: _application.recruiter_id == p,
        "hiring_manager_id": lambda p: _application.hiring_manager_id == p,
        "updated_since": lambda p: _application.updated_at >= p,
        "overdue_before": lambda p: (
            _in_review & _application.hm_reviewed_at.is_(None) & (_application.hm_review_due_at < p)
        ),
    },
    orders={
        "id": Keyset((_application.id,), ("uuid",)),
        "updated_at": Keyset((_application.updated_at, _application.id), ("datetime", "uuid")),
        "due": Keyset((_application.hm_review_due_at, _application.id), ("datetime", "uuid")),
    },
)
HISTORY = ListQuery(
    "application_history",
    select(*table_of(StageChange).c),
    filters={"application_id": lambda p: _change.application_id == p},
    orders={"at": Keyset((_change.at, _change.id), ("datetime", "uuid"))},
)


def is_overdue(row: Mapping[str, Any], now: datetime) -> bool:
    """A review that is due and still waiting."""
    due = row["hm_review_due_at"]
    return (
        row["stage"] in REVIEW_STAGES
        and row["hm_reviewed_at"] is None
        and due is not None
        and due < now
    )


def read_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """An application row as the API shows it (computed overdue flag; `version` kept)."""
    values = dict(row)
    values["hm_review_overdue"] = is_overdue(values, utcnow())
    return values


def row_of(application: Application) -> dict[str, Any]:
    return read_values({c.key: getattr(application, c.key) for c in table_of(Application).columns})


def not_found(application_id: uuid.UUID) -> NotFound:
    return NotFound(f"No application with id {application_id}.")


async def get_application(
    db: Database, principal: Principal, application_id: uuid.UUID
) -> dict[str, Any]:
    """One application the caller may see (their intakes' team; admins everything)."""
    if unrestricted(principal):
        row = await db.fetch_one(_BY_ID, {"application_id": application_id})
    else:
        row = await db.fetch_one(
            _BY_ID_FOR_VIEWER, {"application_id": application_id, "viewer": principal.user_id}
        )
    if row is None:
        raise not_found(application_id)
    return read_values(row)


async def list_applications(
    db: Database,
    cursors: CursorCodec,
    page: PageRequest,
    principal: Principal,
    *,
    overdue: bool = False,
    order: str = "id",
    **filters: Any,
) -> PageResult:
    """A page of the applications the caller may see, filtered."""
    if filters.get("updated_since") is not None:
        order = "updated_at"
    result = await APPLICATIONS.page(
        db,
        cursors,
        page,
        order=order,
        viewer=None if unrestricted(principal) else principal.user_id,
        overdue_before=utcnow() if overdue else None,
        **{k: (str(v) if k in ("status",) and v is not None else v) for k, v in filters.items()},
    )
    return PageResult([read_values(row) for row in result.rows], result.next_cursor)


async def history(
    db: Database,
    cursors: CursorCodec,
    page: PageRequest,
    principal: Principal,
    application_id: uuid.UUID,
) -> PageResult:
    """Every move of an application, oldest first."""
    await get_application(db, principal, application_id)
    return await HISTORY.page(db, cursors, page, order="at", application_id=application_id)
