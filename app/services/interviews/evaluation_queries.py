"""Reading evaluations: who sees which, how they are shown, the lists and the caller's own.

The independence rule lives here twice, once per object (`can_see`) and once in SQL
(`visible_to`), so a list never shows, or lets a filter reveal, what a direct read would 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import NotFound
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.models.base import table_of
from app.models.intakes import IntakeTeamMember
from app.models.interviews import Evaluation, EvaluationAmendment, EvaluationStatus
from app.services.identity.access import unrestricted
from app.services.interviews.visibility import (
    DECISION_ROLES,
    has_submitted_for,
    sees_all_evaluations,
)

_evaluation = table_of(Evaluation).c
_amendment = table_of(EvaluationAmendment).c
_member = table_of(IntakeTeamMember).c
# The viewer's own evaluations of the same application, for the independence rule.
_own = table_of(Evaluation).alias("own").c

S = EvaluationStatus
OPEN = (S.PENDING, S.DRAFT)
# Status filters of the lists: the stored statuses plus the computed `overdue`.
STATUS_FILTERS = ("pending", "draft", "submitted", "cancelled", "overdue")

# OR-ed equalities rather than IN: compiled statements cannot hold expanding parameters.
_is_open = or_(*(_evaluation.status == s.value for s in OPEN))
_decides = or_(*(_member.team_role == r.value for r in DECISION_ROLES))


def visible_to(viewer: ColumnElement[Any]) -> ColumnElement[bool]:
    """SQL: the evaluation is the viewer's own, the viewer decides on the intake (recruiter,
    coordinator, hiring manager), or the viewer has submitted their own evaluation of the same
    application."""
    return or_(
        _evaluation.interviewer_id == viewer,
        exists().where(
            _member.intake_id == _evaluation.intake_id, _member.user_id == viewer, _decides
        ),
        exists().where(
            _own.application_id == _evaluation.application_id,
            _own.interviewer_id == viewer,
            _own.status == S.SUBMITTED.value,
        ),
    )


EVALUATIONS = ListQuery(
    "evaluations",
    select(*table_of(Evaluation).c),
    filters={
        "viewer": visible_to,
        "application_id": lambda p: _evaluation.application_id == p,
        "interview_id": lambda p: _evaluation.interview_id == p,
        "interviewer_id": lambda p: _evaluation.interviewer_id == p,
        "intake_id": lambda p: _evaluation.intake_id == p,
        "status": lambda p: _evaluation.status == p,
        "overdue_before": lambda p: _is_open & (_evaluation.due_at < p),
        "updated_since": lambda p: _evaluation.updated_at >= p,
    },
    orders={
        "id": Keyset((_evaluation.id,), ("uuid",)),
        "updated_at": Keyset((_evaluation.updated_at, _evaluation.id), ("datetime", "uuid")),
    },
)
MINE = ListQuery(
    "my_evaluations",
    # A cancelled evaluation is owed by nobody: it is not on anyone's own list.
    select(*table_of(Evaluation).c).where(_evaluation.status != S.CANCELLED.value),
    filters={
        "interviewer_id": lambda p: _evaluation.interviewer_id == p,
        "status": lambda p: _evaluation.status == p,
        "overdue_before": lambda p: _is_open & (_evaluation.due_at < p),
    },
    orders={"due": Keyset((_evaluation.due_at, _evaluation.id), ("datetime", "uuid"))},
)


def is_overdue(status: Any, due_at: datetime, now: datetime) -> bool:
    """Still owed (pending or draft) after its due time."""
    return str(status) in (S.PENDING.value, S.DRAFT.value) and due_at < now


def _ratings(
    ratings: Iterable[Mapping[str, Any]], competencies: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    names = {str(c["id"]): c["name"] for c in competencies}
    return [
        {
            "competency_id": str(r["competency_id"]),
            "competency_name": names.get(str(r["competency_id"])),
            "rating": r.get("rating"),
            "not_assessed": bool(r.get("not_assessed", False)),
            "notes": r.get("notes"),
        }
        for r in ratings
    ]


def read_values(
    row: Mapping[str, Any],
    viewer_id: uuid.UUID | None,
    amendments: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """An evaluation as the API shows it to `viewer_id`: until it is submitted, only its
    author sees what it says; everyone who may see it sees its status and deadline."""
    values = dict(row)
    values["overdue"] = is_overdue(values["status"], values["due_at"], utcnow())
    values["amendments"] = list(amendments)
    author = viewer_id is not None and str(values["interviewer_id"]) == str(viewer_id)
    if str(values["status"]) == S.SUBMITTED.value or author:
        values["ratings"] = _ratings(values["ratings"] or [], values["competencies"] or [])
    else:
        values["ratings"], values["recommendation"], values["summary"] = [], None, None
    return values


def row_of(evaluation: Evaluation) -> dict[str, Any]:
    """The columns of a loaded evaluation, as a row."""
    return {c.key: getattr(evaluation, c.key) for c in table_of(Evaluation).columns}


async def can_see(session: AsyncSession, principal: Principal, evaluation: Evaluation) -> bool:
    """Its author; admins and integrations; the intake's deciders; and fellow interviewers
    once they have submitted their own evaluation of the application."""
    if principal.user_id is not None and evaluation.interviewer_id == principal.user_id:
        return True
    if await sees_all_evaluations(session, principal, evaluation.intake_id):
        return True
    return await has_submitted_for(session, principal.user_id, evaluation.application_id)


def not_found(evaluation_id: uuid.UUID) -> NotFound:
    """The 404 for an evaluation that does not exist or is not the caller's to see."""
    return NotFound(f"No evaluation with id {evaluation_id}.")


async def amendments_of(session: AsyncSession, evaluation_id: uuid.UUID) -> list[dict[str, Any]]:
    """The evaluation's amendments, oldest first."""
    rows = await session.execute(
        select(EvaluationAmendment)
        .where(_amendment.evaluation_id == evaluation_id)
        .order_by(_amendment.amended_at, _amendment.id)
    )
    return [
        {c.key: getattr(a, c.key) for c in table_of(EvaluationAmendment).columns}
        for a in rows.scalars()
    ]


async def get_evaluation(
    session: AsyncSession, principal: Principal, evaluation_id: uuid.UUID
) -> dict[str, Any]:
    """One evaluation the caller may see, with its amendments (404 otherwise)."""
    evaluation = await session.get(Evaluation, evaluation_id)
    if evaluation is None or not await can_see(session, principal, evaluation):
        raise not_found(evaluation_id)
    amendments = await amendments_of(session, evaluation.id)
    return read_values(row_of(evaluation), principal.user_id, amendments)


def _status_filters(status: str | None) -> dict[str, Any]:
    if status == "overdue":
        return {"overdue_before": utcnow()}
    return {"status": status}


async def list_evaluations(
    db: Database,
    cursors: CursorCodec,
    page: PageRequest,
    principal: Principal,
    *,
    status: str | None = None,
    updated_since: datetime | None = None,
    **filters: uuid.UUID | None,
) -> PageResult:
    """A page of the evaluations the caller may see, filtered; by id, or by update time when
    syncing with `updated_since`."""
    result = await EVALUATIONS.page(
        db,
        cursors,
        page,
        order="updated_at" if updated_since is not None else "id",
        viewer=None if unrestricted(principal) else principal.user_id,
        updated_since=updated_since,
        **_status_filters(status),
        **filters,
    )
    return PageResult(
        [read_values(row, principal.user_id) for row in result.rows], result.next_cursor
    )


async def my_evaluations(
    db: Database,
    cursors: CursorCodec,
    page: PageRequest,
    principal: Principal,
    status: str | None = None,
) -> PageResult:
    """The caller's own evaluations (not cancelled ones), soonest due first."""
    result = await MINE.page(
        db,
        cursors,
        page,
        order="due",
        interviewer_id=principal.user_id,
        **_status_filters(status),
    )
    return PageResult(
        [read_values(row, principal.user_id) for row in result.rows], result.next_cursor
    )
