"""/api/v1/training and /api/v1/calibration-exercises: interviewers learning a stage."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import Query, Request, Response

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, models_response, page_response
from app.deps import IdempotencyDep, PageDep, RuntimeDep, SessionDep, require, runtime_of
from app.models.plans import TrainingRecord, TrainingState
from app.routers.base import api_router
from app.schemas.training import (
    CalibrationCreate,
    CalibrationExerciseCreate,
    CalibrationExerciseList,
    CalibrationExerciseRead,
    CalibrationResult,
    TrainingCreate,
    TrainingList,
    TrainingRead,
)
from app.services.plans import calibration, training
from app.services.plans import practice as training_practice

router = api_router("/training", "Training")
exercise_router = api_router("/calibration-exercises", "Training")

_CHANGE_ERRORS = problem_openapi_responses(404, 409)


def training_response(record: TrainingRecord, *, status_code: int = 200) -> Response:
    headers = {"Location": f"/api/v1/training/{record.id}"} if status_code == 201 else None
    return json_response(
        TrainingRead.model_validate(record),
        status_code=status_code,
        version=record.version,
        headers=headers,
    )


@router.post("", status_code=201, response_model=TrainingRead, responses=_CHANGE_ERRORS)
async def training_assign(
    body: TrainingCreate,
    principal: Annotated[Principal, require("training", "assign")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Assign someone to learn to interview a plan stage."""
    record = await training.assign(session, principal, body.user_id, body.plan_id, body.stage_id)
    return training_response(record, status_code=201)


@router.get("", response_model=TrainingList)
async def training_list(
    request: Request,
    principal: Annotated[Principal, require("training", "read")],
    session: SessionDep,
    page: PageDep,
    user_id: uuid.UUID | None = None,
    plan_id: uuid.UUID | None = None,
    state: Annotated[TrainingState | None, Query()] = None,
) -> Response:
    """Training records you may see: your own; coaches also their trainees'."""
    result = await training.list_training(
        runtime_of(request).db,
        runtime_of(request).cursors,
        page,
        principal,
        user_id=user_id,
        plan_id=plan_id,
        state=state,
    )
    return models_response(request, TrainingRead, result)


@router.get("/{training_id}", response_model=TrainingRead, responses=problem_openapi_responses(404))
async def training_get(
    training_id: uuid.UUID,
    principal: Annotated[Principal, require("training", "read")],
    session: SessionDep,
) -> Response:
    """One training record."""
    return training_response(await training.get_training(session, principal, training_id))


def _step_route(action: str, summary: str) -> None:
    async def step(
        training_id: uuid.UUID,
        principal: Annotated[Principal, require("training", "progress")],
        session: SessionDep,
        runtime: RuntimeDep,
    ) -> Response:
        record = await training.advance(
            session,
            principal,
            training_id,
            action,
            valid_for=timedelta(days=runtime.settings.training_valid_days),
        )
        return training_response(record)

    step.__name__ = f"training_{action}"
    step.__doc__ = summary
    router.add_api_route(
        f"/{{training_id}}/{action.replace('_', '-')}",
        step,
        methods=["POST"],
        response_model=TrainingRead,
        responses=_CHANGE_ERRORS,
        name=f"training_{action}",
    )


_step_route("mark_studied", "The trainee has studied the stage's kit.")
_step_route("record_shadow", "Count a shadowed interview (shadowed once enough are done).")
_step_route("record_reverse_shadow", "Count a reverse-shadowed interview (led while observed).")
_step_route("qualify", "Approve the trainee to interview this stage on their own.")


@router.post(
    "/{training_id}/calibrations",
    status_code=201,
    response_model=CalibrationResult,
    responses=problem_openapi_responses(404),
)
async def training_calibrate(
    training_id: uuid.UUID,
    body: CalibrationCreate,
    principal: Annotated[Principal, require("training", "calibrate")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Rate a calibration exercise; see how close you are to the reference ratings."""
    result = await training_practice.calibrate(
        session, principal, training_id, body.exercise_id, body.ratings
    )
    return json_response(CalibrationResult.model_validate(result), status_code=201)


@exercise_router.get("", response_model=CalibrationExerciseList)
async def calibration_exercises_list(
    request: Request,
    principal: Annotated[Principal, require("calibration_exercises", "read")],
    page: PageDep,
    plan_id: uuid.UUID | None = None,
) -> Response:
    """Calibration exercises (reference ratings only for recruiters and admins)."""
    runtime = runtime_of(request)
    result = await calibration.list_exercises(
        runtime.db, runtime.cursors, page, principal, plan_id=plan_id
    )
    return page_response(request, CalibrationExerciseRead, result)


@exercise_router.post("", status_code=201, response_model=CalibrationExerciseRead)
async def calibration_exercises_create(
    body: CalibrationExerciseCreate,
    principal: Annotated[Principal, require("calibration_exercises", "manage")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Add a sample answer with its reference ratings."""
    exercise = await calibration.create_exercise(session, body)
    return json_response(
        CalibrationExerciseRead.model_validate(calibration.shown(principal, exercise)),
        status_code=201,
        version=exercise.version,
        headers={"Location": f"/api/v1/calibration-exercises/{exercise.id}"},
    )


@exercise_router.get(
    "/{exercise_id}",
    response_model=CalibrationExerciseRead,
    responses=problem_openapi_responses(404),
)
async def calibration_exercises_get(
    exercise_id: uuid.UUID,
    principal: Annotated[Principal, require("calibration_exercises", "read")],
    session: SessionDep,
) -> Response:
    """One calibration exercise."""
    found = await calibration.get_exercise(session, principal, exercise_id)
    return json_response(CalibrationExerciseRead.model_validate(found))
