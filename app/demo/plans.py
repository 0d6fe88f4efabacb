"""Demo competency library, two plan templates, and training records in several states."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.principal import Principal
from app.models.plans import Competency, InterviewPlan, TrainingRecord, TrainingState
from app.schemas.plans import InterviewPlanCreate
from app.services.plans import editing as plans

LIBRARY = {
    "System design": (
        "Technical",
        "Designs systems that fit the problem, and explains trade-offs.",
    ),
    "Code quality": ("Technical", "Writes code others can read, test and change."),
    "Ownership": ("Behaviour", "Takes problems to the end, including the unglamorous parts."),
    "Collaboration": ("Behaviour", "Makes the people around them better."),
    "Discovery": ("Sales", "Finds out what the customer actually needs before pitching."),
    "Negotiation": ("Sales", "Closes on terms that work for both sides."),
    "Customer empathy": ("Customer", "Understands the customer's situation and acts on it."),
    "Communication": ("General", "Explains clearly, listens, adapts to the audience."),
}


def _rubric(name: str) -> dict[str, str]:
    subject = name.lower()
    return {
        "1": f"No real example of {subject}; generic or contradicting answers.",
        "2": f"Some {subject}, but vague, small in scope, or led by others.",
        "3": f"Clear, specific examples of {subject} with their results.",
        "4": f"Outstanding {subject}: repeated, at larger scope, teaching others.",
    }


async def seed_library(session: AsyncSession, recruiter: Principal) -> dict[str, InterviewPlan]:
    """The competencies and the engineering and sales templates, keyed `engineering`/`sales`."""
    ids: dict[str, uuid.UUID] = {}
    for name, (category, description) in LIBRARY.items():
        competency = Competency(
            name=name, category=category, description=description, rubric=_rubric(name)
        )
        session.add(competency)
        await session.flush()
        ids[name] = competency.id

    def stage(name: str, kind: str, minutes: int, names: list[str], pool: list[uuid.UUID]) -> Any:
        return {
            "name": name,
            "kind": kind,
            "duration_minutes": minutes,
            "competency_ids": [ids[n] for n in names],
            "questions": [
                {
                    "text": f"Tell me about a time you showed {n.lower()}. What did you do?",
                    "competency_id": ids[n],
                    "follow_ups": ["What was the result?", "What would you do differently?"],
                    "what_good_looks_like": "A specific situation, their own actions, a result.",
                }
                for n in names
            ],
            "interviewer_pool": pool,
        }

    pool = [recruiter.user_id] if recruiter.user_id else []
    engineering = await plans.create_plan(
        session,
        recruiter,
        InterviewPlanCreate.model_validate(
            {
                "name": "Engineering loop",
                "description": "Screen, technical deep dive, hiring manager conversation.",
                "is_template": True,
                "stages": [
                    stage("Recruiter screen", "screen", 30, ["Communication"], pool),
                    stage(
                        "Technical deep dive",
                        "technical",
                        75,
                        ["System design", "Code quality"],
                        [],
                    ),
                    stage(
                        "Hiring manager", "hiring_manager", 45, ["Ownership", "Collaboration"], []
                    ),
                ],
            }
        ),
    )
    sales = await plans.create_plan(
        session,
        recruiter,
        InterviewPlanCreate.model_validate(
            {
                "name": "Sales and success loop",
                "is_template": True,
                "stages": [
                    stage("Recruiter screen", "screen", 30, ["Communication"], pool),
                    stage("Role play", "panel", 60, ["Discovery", "Negotiation"], []),
                    stage("Hiring manager", "hiring_manager", 45, ["Customer empathy"], []),
                ],
            }
        ),
    )
    return {"engineering": engineering, "sales": sales}


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
