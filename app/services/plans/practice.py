"""Readiness of a plan's interviewer pools, and calibration of trainees against reference
ratings (kept on their training records)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.errors import FieldProblem, Forbidden, ValidationFailed
from app.core.principal import Principal
from app.models.base import table_of
from app.models.plans import CalibrationExercise, TrainingRecord
from app.services.identity.access import is_staff
from app.services.plans.editing import load_plan
from app.services.plans.training import IN_TRAINING, is_qualified, load_record

_training = table_of(TrainingRecord).c


async def readiness(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID
) -> dict[str, Any]:
    """For each stage: who in its pool is qualified, in training or untrained."""
    plan = await load_plan(session, principal, plan_id)
    records = {
        (str(r.user_id), str(r.stage_id)): r
        for r in (
            await session.execute(select(TrainingRecord).where(_training.plan_id == plan_id))
        ).scalars()
    }
    stages = []
    for stage in plan.stages:
        pool = []
        for user_id in stage["interviewer_pool"]:
            record = records.get((user_id, stage["id"]))
            if is_qualified(record):
                status = "qualified"
            elif record is not None and record.state in IN_TRAINING:
                status = "in_training"
            else:
                status = "untrained"
            pool.append(
                {
                    "user_id": user_id,
                    "status": status,
                    "training_state": str(record.state) if record else None,
                    "training_id": record.id if record else None,
                }
            )
        counts = {
            s: sum(1 for p in pool if p["status"] == s)
            for s in ("qualified", "in_training", "untrained")
        }
        stages.append(
            {
                "stage_id": stage["id"],
                "name": stage["name"],
                **counts,
                "can_be_staffed": counts["qualified"] > 0,
                "pool": pool,
            }
        )
    return {
        "plan_id": plan.id,
        "plan_version": plan.plan_version,
        "ready": bool(stages) and all(s["can_be_staffed"] for s in stages),
        "stages": stages,
    }


def agreement(reference: dict[str, int], ratings: dict[str, int]) -> dict[str, Any]:
    """How a trainee's ratings compare with the reference: exact and within one point."""
    differences = {cid: ratings[cid] - expected for cid, expected in reference.items()}
    total = len(differences) or 1
    return {
        "exact_agreement": round(sum(d == 0 for d in differences.values()) / total, 4),
        "within_one_agreement": round(sum(abs(d) <= 1 for d in differences.values()) / total, 4),
        "per_competency": [
            {
                "competency_id": cid,
                "reference": reference[cid],
                "rating": ratings[cid],
                "difference": difference,
            }
            for cid, difference in differences.items()
        ],
    }


async def calibrate(
    session: AsyncSession,
    principal: Principal,
    training_id: uuid.UUID,
    exercise_id: uuid.UUID,
    ratings: dict[uuid.UUID, int],
) -> dict[str, Any]:
    """Score a trainee's ratings of an exercise against its reference; kept on the record."""
    record = await load_record(session, principal, training_id)
    if record.user_id != principal.user_id and not is_staff(principal):
        raise Forbidden("Calibrate your own training; coaches see the results.")
    exercise = await session.get(CalibrationExercise, exercise_id)
    if exercise is None:
        raise ValidationFailed(
            "No such calibration exercise.",
            errors=[FieldProblem("body.exercise_id", "no such exercise", "unknown")],
        )
    given = {str(k): v for k, v in ratings.items()}
    missing = [cid for cid in exercise.reference_ratings if cid not in given]
    extra = [cid for cid in given if cid not in exercise.reference_ratings]
    if missing or extra:
        raise ValidationFailed(
            "Rate exactly the exercise's competencies.",
            errors=[FieldProblem(f"body.ratings.{c}", "rating missing", "missing") for c in missing]
            + [FieldProblem(f"body.ratings.{c}", "not in this exercise", "unknown") for c in extra],
        )
    result = {
        "exercise_id": str(exercise.id),
        "submitted_at": utcnow().isoformat().replace("+00:00", "Z"),
        **agreement(exercise.reference_ratings, given),
    }
    record.calibrations = [*record.calibrations, result]
    await session.flush()
    return result
