"""Shared set-up for the interview, evaluation and debrief tests.

`panel_setting()` builds an agreed intake whose plan has two stages with three competencies,
a qualified lead, a second interviewer (not on the intake's team: only on panels), a trainee
who has studied the kit, and one candidate in the pipeline. `schedule()` books an interview.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from app.core.roles import Role
from app.models.plans import TrainingRecord, TrainingState
from app.platform.runtime import Runtime
from tests.support.candidates import new_candidate
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import act, intake_body
from tests.support.pipeline import APPLICATIONS, INTAKES, apply, competency
from tests.support.plans import agree, new_plan

INTERVIEWS = "/api/v1/interviews"
EVALUATIONS = "/api/v1/evaluations"


@dataclass
class PanelSetting:
    """An agreed intake with a two-stage plan, its people and one application."""

    recruiter: Actor
    manager: Actor
    lead: Actor  # qualified to lead the technical stage
    second: Actor  # in the technical pool, not on the intake's team
    trainee: Actor  # studied the technical stage's kit, ready to shadow
    intake_id: str
    plan: dict[str, Any]
    stage_ids: list[str]
    competency_ids: list[str]  # technical: first two; hiring manager stage: the third
    application_id: str
    candidate_id: str
    feedback_sla_hours: int
    extra_applications: list[str] = field(default_factory=list)

    @property
    def technical(self) -> str:
        return self.stage_ids[0]

    @property
    def hm_stage(self) -> str:
        return self.stage_ids[1]


async def panel_setting(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    runtime: Runtime,
    *,
    feedback_sla_hours: int = 24,
    shadows_evaluate: bool = False,
    recruiter: Actor | None = None,
    manager: Actor | None = None,
) -> PanelSetting:
    """Everything a scheduling test needs (see the module docstring)."""
    recruiter = recruiter or await make_user(Role.RECRUITER)
    manager = manager or await make_user(Role.HIRING_MANAGER)
    lead = await make_user(Role.INTERVIEWER)
    second = await make_user(Role.INTERVIEWER)
    trainee = await make_user(Role.INTERVIEWER)
    body = intake_body(
        None,
        manager,
        team=[
            {"user_id": str(lead.id), "team_role": "interviewer"},
            {"user_id": str(trainee.id), "team_role": "interviewer"},
        ],
        feedback_sla_hours=feedback_sla_hours,
    )
    created = await act(client, recruiter, "POST", INTAKES, json=body)
    assert created.status_code == 201, created.text
    intake_id = created.json()["id"]
    suffix = uuid.uuid4().hex[:6]
    design = await competency(client, recruiter, f"System design {suffix}", "Breaking problems up")
    coding = await competency(client, recruiter, f"Coding {suffix}", "Clear, working code")
    ownership = await competency(client, recruiter, f"Ownership {suffix}", "Seeing it through")
    stages = [
        {
            "name": "Technical interview",
            "kind": "technical",
            "duration_minutes": 60,
            "format": "video",
            "competency_ids": [design, coding],
            "questions": [{"text": "Design a ledger.", "competency_id": design}],
            "interviewer_pool": [str(lead.id), str(second.id), str(trainee.id)],
        },
        {
            "name": "Meet the hiring manager",
            "kind": "hiring_manager",
            "duration_minutes": 45,
            "format": "onsite",
            "competency_ids": [ownership],
            "questions": [],
            "interviewer_pool": [str(manager.id), str(lead.id)],
        },
    ]
    plan = await new_plan(
        client,
        recruiter,
        stages,
        name="Backend loop",
        intake_id=intake_id,
        shadows_evaluate=shadows_evaluate,
    )
    await agree(client, recruiter, manager, intake_id)
    stage_ids = [s["id"] for s in plan["stages"]]
    await train(runtime, lead, plan["id"], stage_ids[0], TrainingState.QUALIFIED)
    await train(runtime, manager, plan["id"], stage_ids[1], TrainingState.QUALIFIED)
    await train(runtime, trainee, plan["id"], stage_ids[0], TrainingState.STUDIED)
    person = await new_candidate(client, recruiter, "Ada Lovelace")
    application = await apply(client, recruiter, person["id"], intake_id)
    return PanelSetting(
        recruiter=recruiter,
        manager=manager,
        lead=lead,
        second=second,
        trainee=trainee,
        intake_id=intake_id,
        plan=plan,
        stage_ids=stage_ids,
        competency_ids=[design, coding, ownership],
        application_id=application["id"],
        candidate_id=application["candidate_id"],
        feedback_sla_hours=feedback_sla_hours,
    )


async def another_application(
    client: httpx.AsyncClient, setting: PanelSetting, name: str = "Grace Hopper"
) -> str:
    """A second candidate in the same intake's pipeline; returns the application id."""
    person = await new_candidate(client, setting.recruiter, name)
    application = await apply(client, setting.recruiter, person["id"], setting.intake_id)
    setting.extra_applications.append(application["id"])
    return str(application["id"])


async def train(
    runtime: Runtime, user: Actor, plan_id: str, stage_id: str, state: TrainingState
) -> None:
    """Put a training record in a state directly (the training flow has its own tests)."""
    now = datetime.now(UTC)
    async with runtime.db.unit_of_work(write=True) as session:
        session.add(
            TrainingRecord(
                user_id=user.id,
                plan_id=uuid.UUID(plan_id),
                stage_id=uuid.UUID(stage_id),
                state=state,
                studied_at=now,
                qualified_at=now if state is TrainingState.QUALIFIED else None,
                expires_at=now + timedelta(days=365) if state is TrainingState.QUALIFIED else None,
            )
        )


def hours_from_now(hours: float, *, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) + timedelta(hours=hours)


async def schedule(
    client: httpx.AsyncClient,
    actor: Actor,
    application_id: str,
    stage_id: str,
    starts_at: datetime,
    panel: list[tuple[Actor, str]],
    *,
    minutes: int = 60,
    **extra: Any,
) -> httpx.Response:
    """POST /interviews for a panel of (person, role)."""
    body = {
        "application_id": application_id,
        "stage_id": stage_id,
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(minutes=minutes)).isoformat(),
        "interviewers": [{"user_id": str(user.id), "role": role} for user, role in panel],
        **extra,
    }
    return await act(client, actor, "POST", INTERVIEWS, json=body)


async def scheduled(
    client: httpx.AsyncClient,
    setting: PanelSetting,
    starts_at: datetime,
    panel: list[tuple[Actor, str]] | None = None,
    *,
    application_id: str | None = None,
    stage_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Schedule (201 expected) the technical stage with the lead and the second interviewer
    unless told otherwise; returns the interview."""
    response = await schedule(
        client,
        setting.recruiter,
        application_id or setting.application_id,
        stage_id or setting.technical,
        starts_at,
        panel or [(setting.lead, "lead"), (setting.second, "interviewer")],
        **extra,
    )
    assert response.status_code == 201, response.text
    interview: dict[str, Any] = response.json()
    return interview


__all__ = ["APPLICATIONS", "EVALUATIONS", "INTERVIEWS", "PanelSetting", "act"]
