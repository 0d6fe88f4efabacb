"""The standard intake's questions, maintained by admins."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import Database
from app.core.errors import NotFound
from app.core.etag import require_match
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.models.base import table_of
from app.models.intakes import IntakeQuestion
from app.platform.audit import record_audit
from app.schemas.intake_questions import IntakeQuestionCreate, IntakeQuestionUpdate

_question = table_of(IntakeQuestion).c

QUESTIONS = ListQuery(
    "intake_questions",
    select(*table_of(IntakeQuestion).c),
    filters={"active": lambda p: _question.active == p},
    orders={"position": Keyset((_question.position, _question.id), ("int", "uuid"))},
)


async def list_questions(
    db: Database, cursors: CursorCodec, page: PageRequest, *, active: bool | None
) -> PageResult:
    """The questions in the order intakes show them."""
    return await QUESTIONS.page(db, cursors, page, order="position", active=active)


async def create_question(session: AsyncSession, data: IntakeQuestionCreate) -> IntakeQuestion:
    """Add a question to the standard intake."""
    question = IntakeQuestion(**data.model_dump())
    session.add(question)
    await session.flush()
    record_audit(
        session, "intake_question.created", object_type="intake_question", object_id=question.id
    )
    return question


async def update_question(
    session: AsyncSession,
    question_id: uuid.UUID,
    if_match: list[str] | None,
    data: IntakeQuestionUpdate,
) -> IntakeQuestion:
    """Change or retire a question (If-Match required)."""
    question = (
        await session.execute(
            select(IntakeQuestion).where(_question.id == question_id).with_for_update()
        )
    ).scalar_one_or_none()
    if question is None:
        raise NotFound(f"No intake question with id {question_id}.")
    require_match(if_match, question.version)
    changes = data.model_dump(exclude_unset=True)  # help_text: null clears it
    for field, value in changes.items():
        setattr(question, field, value)
    await session.flush()
    record_audit(
        session,
        "intake_question.updated",
        object_type="intake_question",
        object_id=question.id,
        details=changes,
    )
    return question
