"""Calibration exercises: sample answers with reference ratings, rated blind by trainees."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import Database
from app.core.errors import FieldProblem, NotFound, ValidationFailed
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.models.base import table_of
from app.models.plans import CalibrationExercise, Competency
from app.schemas.training import CalibrationExerciseCreate
from app.services.identity.access import is_staff

_exercise = table_of(CalibrationExercise).c
_competency = table_of(Competency).c

EXERCISES = ListQuery(
    "calibration_exercises",
    select(*table_of(CalibrationExercise).c),
    filters={"plan_id": lambda p: _exercise.plan_id == p},
    orders={"id": Keyset((_exercise.id,), ("uuid",))},
)


def shown(principal: Principal, row: Any) -> dict[str, Any]:
    """An exercise as this caller may see it."""
    values = dict(row) if not isinstance(row, CalibrationExercise) else row.model_dump()
    if not is_staff(principal):  # trainees rate blind
        values["reference_ratings"] = None
    return values


async def list_exercises(
    db: Database,
    cursors: CursorCodec,
    page: PageRequest,
    principal: Principal,
    *,
    plan_id: uuid.UUID | None,
) -> PageResult:
    """Every exercise, oldest first."""
    result = await EXERCISES.page(db, cursors, page, order="id", plan_id=plan_id)
    return PageResult([shown(principal, row) for row in result.rows], result.next_cursor)


async def get_exercise(
    session: AsyncSession, principal: Principal, exercise_id: uuid.UUID
) -> dict[str, Any]:
    """One exercise."""
    exercise = await session.get(CalibrationExercise, exercise_id)
    if exercise is None:
        raise NotFound(f"No calibration exercise with id {exercise_id}.")
    return shown(principal, exercise)


async def create_exercise(
    session: AsyncSession, data: CalibrationExerciseCreate
) -> CalibrationExercise:
    """A new exercise; every rated competency must exist."""
    ids = set(data.reference_ratings)
    known = set(
        (await session.execute(select(_competency.id).where(_competency.id.in_(ids)))).scalars()
    )
    unknown = sorted(str(i) for i in ids - known)
    if unknown:
        raise ValidationFailed(
            "Reference ratings name competencies that do not exist.",
            errors=[
                FieldProblem(f"body.reference_ratings.{i}", "no such competency", "unknown")
                for i in unknown
            ],
        )
    exercise = CalibrationExercise(
        name=data.name,
        plan_id=data.plan_id,
        stage_id=data.stage_id,
        sample=data.sample,
        reference_ratings={str(k): v for k, v in data.reference_ratings.items()},
    )
    session.add(exercise)
    await session.flush()
    return exercise
