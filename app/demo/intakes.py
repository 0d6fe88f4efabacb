"""Demo intakes in different states, the standard questions, and a hiring-manager profile.

Built through the same services the API uses, so revisions, sign-offs and events are real.
Only loaded when no intake exists yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.context import Actor, actor_var
from app.core.principal import Principal
from app.core.roles import Role
from app.demo import candidates as demo_candidates
from app.demo import plans as demo_plans
from app.models.base import table_of
from app.models.identity import User
from app.models.intakes import HmProfile, Intake, IntakeQuestion
from app.models.organisation import OrganisationProfile
from app.models.plans import InterviewPlan
from app.schemas.intakes import IntakeCreate
from app.schemas.plans import InterviewPlanCopy
from app.services.intakes import editing as intakes
from app.services.intakes import lifecycle as intake_lifecycle
from app.services.plans import editing as plans

_user = table_of(User).c

QUESTIONS = (
    ("Why is this role open?", True),
    ("What does success look like after six months?", True),
    ("Which internal candidates were considered?", False),
)


def _as(user: User) -> Principal:
    actor_var.set(Actor(user_id=user.id))
    return Principal(user_id=user.id, role=Role(user.role), email=user.email)


async def seed_intakes(session: AsyncSession) -> bool:
    """Load the demo intakes unless there are intakes already; True when it loaded them."""
    if (await session.execute(select(table_of(Intake).c.id).limit(1))).first() is not None:
        return False
    people = {
        u.role: u
        for u in (await session.execute(select(User).where(_user.email.like("%@tandem.example"))))
        .scalars()
        .all()
    }
    recruiter, manager = people.get(Role.RECRUITER), people.get(Role.HIRING_MANAGER)
    interviewer = people.get(Role.INTERVIEWER)
    if recruiter is None or manager is None or interviewer is None:
        return False
    answers = await _seed_questions_and_profiles(session, manager)
    templates = await demo_plans.seed_library(session, _as(recruiter), manager.id, interviewer.id)
    builder = _Openings(session, recruiter, manager, interviewer, answers, templates)
    await demo_candidates.seed_candidates(session, await builder.seed())
    actor_var.set(None)
    return True


async def _seed_questions_and_profiles(session: AsyncSession, manager: User) -> dict[str, str]:
    """The standard intake questions, the manager's profile and the organisation; the answers."""
    questions = []
    for position, (text, required) in enumerate(QUESTIONS):
        question = IntakeQuestion(text=text, required=required, position=position)
        session.add(question)
        questions.append(question)
    session.add(
        HmProfile(
            user_id=manager.id,
            headline="Engineering manager, Payments",
            bio="Hugo has built payment systems for twelve years and has led the Payments "
            "team since it was three people.",
            team_description="Seven engineers who own card acquiring and payouts for 30 markets.",
            working_style="Small, autonomous pairs; written proposals before big changes.",
            values_in_people="Curiosity, care for users, and leaving code better than found.",
            interview_style="A conversation about real problems you solved; no trick questions.",
            growth_paths="Towards staff engineer or engineering management.",
            links=[{"label": "Team blog", "url": "https://example.com/payments-blog"}],
            internal_notes="Prefers candidates who have run services in production.",
        )
    )
    session.add(
        OrganisationProfile(
            name="Harbour Payments",
            website_url="https://harbourpayments.example/",
            careers_contact_name="Talent team",
            careers_email="careers@harbourpayments.example",
        )
    )
    await session.flush()
    return {
        str(questions[0].id): "The team doubles its scope next year (two new markets).",
        str(questions[1].id): "Owns the payouts service end to end and mentors one engineer.",
    }


@dataclass
class _Openings:
    """Creates the demo openings, each brought to its own state through the real services."""

    session: AsyncSession
    recruiter: User
    manager: User
    interviewer: User
    answers: dict[str, str]
    templates: dict[str, InterviewPlan]

    async def seed(self) -> dict[str, Intake]:
        """One intake per state the demo shows; returns those that get candidates."""
        session, recruiter = self.session, self.recruiter
        backend = await self._create("Senior Backend Engineer", soc_code="15-1252", headcount=2)
        backend_plan = await self._with_plan(backend, "engineering")
        await self._agree(backend)
        await demo_plans.seed_training(session, backend_plan, self.manager.id, self.interviewer.id)
        await intake_lifecycle.transition(session, _as(recruiter), backend.id, "open")

        designer = await self._create(
            "Product Designer", soc_code="27-1024", salary_min=60000, salary_max=75000
        )
        await self._with_plan(designer, "engineering")
        await intake_lifecycle.submit_for_review(session, _as(recruiter), designer.id)
        await intake_lifecycle.sign_off(session, _as(recruiter), designer.id, designer.revision)

        await self._create("Data Analyst", soc_code="15-2051", answers={}, level="Medior")

        lead = await self._create("Engineering Manager, Payments", soc_code="11-3021")
        await self._with_plan(lead, "engineering")
        await self._agree(lead)
        await intake_lifecycle.transition(session, _as(recruiter), lead.id, "open")
        await intake_lifecycle.transition(session, _as(recruiter), lead.id, "mark_filled")

        support = await self._create(
            "Customer Success Lead", soc_code="11-2022", department="Customer Success"
        )
        await self._with_plan(support, "sales")
        await self._agree(support)
        await intake_lifecycle.transition(session, _as(recruiter), support.id, "open")
        await intake_lifecycle.transition(session, _as(recruiter), support.id, "put_on_hold")
        return {"backend": backend, "support": support, "lead": lead}

    async def _create(self, title: str, **extra: Any) -> Intake:
        today = utcnow().date()
        values: dict[str, Any] = {
            "title": title,
            "department": "Engineering",
            "location": "Amsterdam",
            "remote_policy": "hybrid",
            "level": "Senior",
            "headcount": 1,
            "salary_min": 75000,
            "salary_max": 95000,
            "currency": "EUR",
            "hiring_manager_id": self.manager.id,
            "must_haves": [{"item": "Production Python", "why": "All services are Python"}],
            "nice_to_haves": [{"item": "Payments domain", "why": "Shortens onboarding"}],
            "selling_points": ["Real ownership", "Four-day on-site budget"],
            "answers": self.answers,
            "shortlist_due_date": today + timedelta(days=10),
            "target_fill_date": today + timedelta(days=60),
            "team": [{"user_id": self.interviewer.id, "team_role": "interviewer"}],
        }
        values.update(extra)
        body = IntakeCreate.model_validate(values)
        return await intakes.create_intake(self.session, _as(self.recruiter), body)

    async def _with_plan(self, intake: Intake, template: str) -> InterviewPlan:
        plan = await plans.copy_plan(
            self.session,
            _as(self.recruiter),
            self.templates[template].id,
            InterviewPlanCopy(intake_id=intake.id, name=f"{intake.title} loop"),
        )
        await demo_plans.staff_pools(self.session, plan, self.manager.id, self.interviewer.id)
        return plan

    async def _agree(self, intake: Intake) -> None:
        await intake_lifecycle.submit_for_review(self.session, _as(self.recruiter), intake.id)
        await intake_lifecycle.sign_off(
            self.session, _as(self.recruiter), intake.id, intake.revision
        )
        await intake_lifecycle.sign_off(self.session, _as(self.manager), intake.id, intake.revision)
