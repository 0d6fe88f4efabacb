"""The competency library: what interviews assess, each with a 1-4 rubric."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import Database
from app.core.errors import Conflict, NotFound
from app.core.etag import require_match
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.models.base import table_of
from app.models.plans import Competency
from app.platform.audit import record_audit
from app.schemas.plans import CompetencyCreate, CompetencyUpdate

_competency = table_of(Competency).c

COMPETENCIES = ListQuery(
    "competencies",
    select(*table_of(Competency).c),
    filters={"category": lambda p: _competency.category == p},
    orders={"name": Keyset((_competency.name, _competency.id), ("str", "uuid"))},
)


async def list_competencies(
    db: Database, cursors: CursorCodec, page: PageRequest, *, category: str | None
) -> PageResult:
    """The library, by name."""
    return await COMPETENCIES.page(db, cursors, page, order="name", category=category)


async def get_competency(session: AsyncSession, competency_id: uuid.UUID) -> Competency:
    """One competency."""
    competency = await session.get(Competency, competency_id)
    if competency is None:
        raise NotFound(f"No competency with id {competency_id}.")
    return competency


async def create_competency(session: AsyncSession, data: CompetencyCreate) -> Competency:
    """Add a competency (names are unique)."""
    competency = Competency(
        name=data.name,
        description=data.description,
        category=data.category,
        rubric=data.rubric.as_dict(),
        listen_for=data.listen_for,
    )
    session.add(competency)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"A competency called {data.name!r} exists already.") from None
    record_audit(session, "competency.created", object_type="competency", object_id=competency.id)
    return competency


async def update_competency(
    session: AsyncSession,
    competency_id: uuid.UUID,
    if_match: list[str] | None,
    data: CompetencyUpdate,
) -> Competency:
    """Change a competency. Plans keep the rubric they were written with until edited."""
    competency = (
        await session.execute(
            select(Competency).where(_competency.id == competency_id).with_for_update()
        )
    ).scalar_one_or_none()
    if competency is None:
        raise NotFound(f"No competency with id {competency_id}.")
    require_match(if_match, competency.version)
    changes = data.model_dump(exclude_unset=True, exclude={"rubric"})
    for field, value in changes.items():
        if field == "name" and value is None:
            continue
        setattr(competency, field, value)
    if data.rubric is not None:
        competency.rubric = data.rubric.as_dict()
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"A competency called {data.name!r} exists already.") from None
    record_audit(session, "competency.updated", object_type="competency", object_id=competency.id)
    return competency
