"""Demo interviews on the demo applications: past panels per plan stage, their evaluations
(mostly on time, some late, a few still missing), and debrief decisions matching the moves
the applications already made, so debriefs and insights have something to show.

Rows are inserted directly (like the other demo seeders) from the applications' stage
history; a random generator seeded per candidate keeps the demo the same every time.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.demo.panels import PanelSeeder, usual_lead
from app.models.base import table_of
from app.models.candidates import Application, ApplicationStatus, Candidate, StageChange
from app.models.intakes import Intake, IntakeStatus
from app.models.interviews import (
    Interview,
)
from app.models.plans import InterviewPlan, TrainingRecord, TrainingState

_application = table_of(Application).c
_candidate = table_of(Candidate).c
_change = table_of(StageChange).c
_training = table_of(TrainingRecord).c
SEED = 20261126


async def seed_interviews(session: AsyncSession, intakes: Mapping[str, Intake]) -> int:
    """Interviews, evaluations and decisions for the demo intakes' applications; how many
    interviews."""
    now = utcnow()
    plans = {
        intake.id: plan
        for intake in intakes.values()
        if intake.interview_plan_id
        and (plan := await session.get(InterviewPlan, intake.interview_plan_id)) is not None
    }
    qualified = await _qualify_leads(session, intakes.values(), plans, now)
    rows = (
        await session.execute(
            select(Application, _candidate.email)
            .join(table_of(Candidate), _candidate.id == _application.candidate_id)
            .where(_application.intake_id.in_([i.id for i in intakes.values()]))
            .order_by(_candidate.email)
        )
    ).all()
    histories: dict[uuid.UUID, list[StageChange]] = defaultdict(list)
    changes = select(StageChange).where(_change.application_id.in_([r[0].id for r in rows]))
    for change in (await session.execute(changes.order_by(_change.at, _change.id))).scalars():
        histories[change.application_id].append(change)
    by_id = {intake.id: intake for intake in intakes.values()}
    hired = _hire_one(rows, histories, by_id, plans, now)
    interviews: list[Interview] = []
    dependents: list[Any] = list(hired)
    for application, email in rows:
        intake, plan = by_id[application.intake_id], plans.get(application.intake_id)
        if plan is not None:
            seeder = PanelSeeder(random.Random(f"{SEED}:{email}"), intake, plan, qualified, now)
            seeder.application(application, histories[application.id])
            interviews += seeder.interviews
            dependents += seeder.dependents
    # Interviews first: without ORM relationships the flush does not order them by foreign key.
    session.add_all(interviews)
    await session.flush()
    session.add_all(dependents)
    await session.flush()
    return len(interviews)


def _hire_one(
    rows: Sequence[Any],
    histories: Mapping[uuid.UUID, list[StageChange]],
    intakes: Mapping[uuid.UUID, Intake],
    plans: Mapping[uuid.UUID, InterviewPlan],
    now: datetime,
) -> list[StageChange]:
    """Hire one candidate of an open intake who has been at the plan's last stage for a
    while, so the demo has a hire decided in a debrief (the history gets the move)."""
    for application, _email in rows:
        plan, history = plans.get(application.intake_id), histories[application.id]
        last_stage = plan.stages[-1]["id"] if plan and plan.stages else None
        open_intake = intakes[application.intake_id].status == IntakeStatus.OPEN
        if not (open_intake and application.stage == last_stage and history) or (
            application.status != ApplicationStatus.ACTIVE or now - history[-1].at < timedelta(4)
        ):
            continue
        at = history[-1].at + (now - history[-1].at) * 0.75
        change = StageChange(
            application_id=application.id, from_stage=application.stage, to_stage="hired", at=at
        )
        history.append(change)
        application.stage, application.status = "hired", ApplicationStatus.HIRED
        application.stage_changed_at = application.closed_at = at
        return [change]
    return []


async def _qualify_leads(
    session: AsyncSession,
    intakes: Iterable[Intake],
    plans: Mapping[uuid.UUID, InterviewPlan],
    now: datetime,
) -> set[tuple[uuid.UUID, str, uuid.UUID]]:
    """Qualify the usual lead of each stage where no training record says otherwise (the
    backend's technical stage keeps its trainee, so it shows overrides); (plan, stage, person)
    of every qualified lead."""
    records = select(_training.plan_id, _training.stage_id, _training.user_id, _training.state)
    existing = {
        (r.plan_id, str(r.stage_id), r.user_id): TrainingState(r.state)
        for r in (await session.execute(records)).all()
    }
    qualified = {key for key, state in existing.items() if state is TrainingState.QUALIFIED}
    for intake in intakes:
        plan = plans.get(intake.id)
        for stage in plan.stages if plan else []:
            lead = usual_lead(intake, stage)
            if plan is None or lead is None or (plan.id, stage["id"], lead) in existing:
                continue
            session.add(
                TrainingRecord(
                    user_id=lead,
                    plan_id=plan.id,
                    stage_id=uuid.UUID(stage["id"]),
                    state=TrainingState.QUALIFIED,
                    shadow_count=plan.shadows_required,
                    reverse_shadow_count=plan.reverse_shadows_required,
                    studied_at=now - timedelta(days=120),
                    qualified_at=now - timedelta(days=90),
                    expires_at=now + timedelta(days=275),
                )
            )
            qualified.add((plan.id, stage["id"], lead))
    await session.flush()
    return {(p, s, u) for p, s, u in qualified if u is not None}
