"""Demo competency library, two plan templates, and training records in several states."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.principal import Principal
from app.demo.questions import LIBRARY, QUESTIONS
from app.models.plans import Competency, InterviewPlan, TrainingRecord, TrainingState
from app.schemas.plans import InterviewPlanCreate
from app.services.plans import editing as plans

# Each template: name, description, stages as (name, kind, minutes, competencies, pool), where
# the pool is "recruiter", "panel" (interviewer and manager) or "manager".
_TEMPLATES: dict[str, tuple[str, str | None, list[tuple[str, str, int, list[str], str]]]] = {
    "engineering": (
        "Engineering loop",
        "Screen, technical deep dive, hiring manager conversation.",
        [
            ("Recruiter screen", "screen", 30, ["Communication"], "recruiter"),
            ("Technical deep dive", "technical", 75, ["System design", "Code quality"], "panel"),
            ("Hiring manager", "hiring_manager", 45, ["Ownership", "Collaboration"], "manager"),
        ],
    ),
    "sales": (
        "Sales and success loop",
        None,
        [
            ("Recruiter screen", "screen", 30, ["Communication"], "recruiter"),
            ("Role play", "panel", 60, ["Discovery", "Negotiation"], "panel"),
            ("Hiring manager", "hiring_manager", 45, ["Customer empathy"], "manager"),
        ],
    ),
}


async def seed_library(
    session: AsyncSession, recruiter: Principal, manager: uuid.UUID, interviewer: uuid.UUID
) -> dict[str, InterviewPlan]:
    """The competencies and the engineering and sales templates, keyed `engineering`/`sales`;
    the demo people are in the templates' pools, so every copy starts staffed."""
    ids = await _seed_competencies(session)
    pools = {
        "recruiter": [recruiter.user_id] if recruiter.user_id else [],
        "panel": [interviewer, manager],
        "manager": [manager],
    }
    templates: dict[str, InterviewPlan] = {}
    for key, (name, description, stages) in _TEMPLATES.items():
        body: dict[str, Any] = {
            "name": name,
            "is_template": True,
            "stages": [
                _stage(ids, title, kind, minutes, names, pools[pool])
                for title, kind, minutes, names, pool in stages
            ],
        }
        if description is not None:
            body["description"] = description
        templates[key] = await plans.create_plan(
            session, recruiter, InterviewPlanCreate.model_validate(body)
        )
    return templates


async def _seed_competencies(session: AsyncSession) -> dict[str, uuid.UUID]:
    """The demo competency library; ids by competency name."""
    ids: dict[str, uuid.UUID] = {}
    for name, entry in LIBRARY.items():
        competency = Competency(
            name=name,
            category=entry.category,
            description=entry.description,
            rubric=dict(entry.rubric),
            listen_for=entry.listen_for,
        )
        session.add(competency)
        await session.flush()
        ids[name] = competency.id
    return ids


def _stage(
    ids: dict[str, uuid.UUID],
    name: str,
    kind: str,
    minutes: int,
    names: list[str],
    pool: list[uuid.UUID],
) -> dict[str, Any]:
    """A template stage asking the demo questions of its competencies."""
    return {
        "name": name,
        "kind": kind,
        "duration_minutes": minutes,
        "competency_ids": [ids[n] for n in names],
        "questions": [
            {
                "text": question.text,
                "competency_id": ids[n],
                "follow_ups": list(question.follow_ups),
                "what_good_looks_like": question.good,
            }
            for n in names
            for question in QUESTIONS[n]
        ],
        "interviewer_pool": pool,
    }


async def staff_pools(
    session: AsyncSession, plan: InterviewPlan, manager: uuid.UUID, interviewer: uuid.UUID
) -> None:
    """Put the demo people in a plan's pools (before it is agreed, so no new version)."""
    stages = []
    for stage in plan.stages:
        pool = set(stage["interviewer_pool"])
        if stage["kind"] == "hiring_manager":
            pool.add(str(manager))
        elif stage["kind"] != "screen":
            pool |= {str(interviewer), str(manager)}
        stages.append({**stage, "interviewer_pool": sorted(pool)})
    plan.stages = stages
    await session.flush()


async def seed_training(
    session: AsyncSession, plan: InterviewPlan, manager: uuid.UUID, interviewer: uuid.UUID
) -> None:
    """The manager qualified for the HM stage; the interviewer halfway through the technical one."""
    now = utcnow()
    for stage in plan.stages:
        if stage["kind"] == "hiring_manager":
            session.add(
                TrainingRecord(
                    user_id=manager,
                    plan_id=plan.id,
                    stage_id=uuid.UUID(stage["id"]),
                    state=TrainingState.QUALIFIED,
                    shadow_count=plan.shadows_required,
                    reverse_shadow_count=plan.reverse_shadows_required,
                    studied_at=now - timedelta(days=30),
                    qualified_at=now - timedelta(days=10),
                    expires_at=now + timedelta(days=355),
                )
            )
        elif stage["kind"] == "technical":
            session.add(
                TrainingRecord(
                    user_id=interviewer,
                    plan_id=plan.id,
                    stage_id=uuid.UUID(stage["id"]),
                    state=TrainingState.SHADOWED,
                    shadow_count=plan.shadows_required,
                    studied_at=now - timedelta(days=7),
                )
            )
            session.add(
                TrainingRecord(
                    user_id=manager,
                    plan_id=plan.id,
                    stage_id=uuid.UUID(stage["id"]),
                    state=TrainingState.ASSIGNED,
                )
            )
    await session.flush()
