"""Demo candidates with applications across the demo intakes, their moves spread over the
past weeks (so pipelines and, later, insights have something to show)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.demo import interviews as demo_interviews
from app.demo import transcripts as demo_transcripts
from app.models.candidates import (
    Application,
    ApplicationStatus,
    Candidate,
    RejectionReason,
    StageChange,
)
from app.models.intakes import Intake, PayPeriod
from app.models.plans import InterviewPlan

FIRST = [
    "Amara",
    "Bram",
    "Chen",
    "Daan",
    "Elif",
    "Femke",
    "Gabriel",
    "Hana",
    "Ivo",
    "Jasmijn",
    "Kofi",
    "Lena",
    "Mateo",
    "Noor",
    "Oscar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
    "Uma",
    "Vera",
    "Wouter",
    "Yara",
    "Zeynep",
]
LAST = [
    "Jansen",
    "de",
    "Vries",
    "Okafor",
    "Nguyen",
    "Bakker",
    "Visser",
    "Smit",
    "Mulder",
    "Haddad",
    "Rossi",
    "Kowalski",
    "Silva",
    "Novak",
    "Larsen",
    "Costa",
    "Meijer",
    "Bos",
    "Dekker",
    "Ahmed",
    "Peters",
]
TITLES = (
    "Software Engineer",
    "Backend Developer",
    "Data Engineer",
    "Customer Success Manager",
    "Account Manager",
    "Engineering Lead",
    "Support Specialist",
    "Platform Engineer",
)
COMPANIES = ("Adyen", "Booking", "Mollie", "Picnic", "Bunq", "Miro", "Elastic", "Catawiki")
SKILLS = (
    "python",
    "postgresql",
    "kubernetes",
    "go",
    "sql",
    "customer success",
    "saas",
    "negotiation",
    "aws",
    "terraform",
)
SOURCES = ("referral", "linkedin", "careers page", "agency", "event")


def _history(
    session: AsyncSession,
    application: Application,
    stages: list[str],
    start: Any,
    rng: random.Random,
) -> Any:
    """Moves through `stages`, a few days apart, from `start`; the time of the last move.
    The gaps shrink when they would run past the present (history is never in the future)."""
    gaps = [timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 20)) for _ in stages]
    room = utcnow() - timedelta(hours=2) - start
    total = sum(gaps, timedelta())
    if total > room:
        gaps = [gap * max(room / total, 0) for gap in gaps]
    at, previous = start, None
    for stage, gap in zip(stages, gaps, strict=True):
        session.add(
            StageChange(application_id=application.id, from_stage=previous, to_stage=stage, at=at)
        )
        previous = stage
        if stage == "shortlisted":
            application.shortlisted_at = at
        at = at + gap
    return at - timedelta(hours=1)


async def seed_candidates(session: AsyncSession, intakes: dict[str, Intake]) -> int:
    """About sixty candidates over the open, on-hold and filled demo intakes."""
    rng = random.Random(20261125)  # the same demo every time
    now = utcnow()
    plans: dict[str, list[str]] = {}
    for key, intake in intakes.items():
        plan = (
            await session.get(InterviewPlan, intake.interview_plan_id)
            if intake.interview_plan_id
            else None
        )
        plans[key] = [s["id"] for s in plan.stages] if plan else []
    made = 0
    names = [(first, last) for first in FIRST for last in LAST]
    rng.shuffle(names)
    layout = [("backend", 28), ("support", 18), ("lead", 14)]
    for key, count in layout:
        intake = intakes[key]
        for i in range(count):
            first, last = names[made]
            made += 1
            candidate = _candidate(rng, first, last, made)
            session.add(candidate)
            await session.flush()
            applied = now - timedelta(days=rng.randint(8, 70), hours=rng.randint(0, 23))
            application = Application(
                candidate_id=candidate.id,
                intake_id=intake.id,
                recruiter_id=intake.recruiter_id,
                hiring_manager_id=intake.hiring_manager_id,
                stage="applied",
                source=candidate.source,
                applied_at=applied,
            )
            session.add(application)
            await session.flush()
            path = _path(
                application, rng, plans[key], hired=key == "lead" and i == 0, rejected=key == "lead"
            )
            _settle(session, application, intake, path, rng, now)
    await session.flush()
    await demo_interviews.seed_interviews(session, intakes)
    await demo_transcripts.seed_transcripts(session)
    return made


def _candidate(rng: random.Random, first: str, last: str, number: int) -> Candidate:
    """A demo person with a plausible profile and pay expectation."""
    return Candidate(
        full_name=f"{first} {last}",
        email=f"{first}.{last}".lower().replace(" ", "") + f"{number}@example.com",
        phone=f"+3161{rng.randint(1000000, 9999999)}",
        location=rng.choice(("Amsterdam", "Rotterdam", "Utrecht", "Berlin", "Remote")),
        headline=f"{rng.choice(TITLES)} at {rng.choice(COMPANIES)}",
        current_title=rng.choice(TITLES),
        current_company=rng.choice(COMPANIES),
        skills=rng.sample(SKILLS, 3),
        source=rng.choice(SOURCES),
        tags=["demo"],
        pay_expectation_amount=Decimal(rng.randrange(55000, 120000, 5000)),
        pay_expectation_currency="EUR",
        pay_expectation_period=PayPeriod.YEAR,
    )


def _path(
    application: Application,
    rng: random.Random,
    stages: list[str],
    *,
    hired: bool,
    rejected: bool,
) -> list[str]:
    """How far the application got and how it ended; sets its status to match."""
    path = ["applied"]
    depth = rng.random()
    if depth > 0.25:
        path.append("shortlisted")
    if depth > 0.45 and stages:
        path.extend(stages[: 1 + int((depth - 0.45) * len(stages) / 0.55)])
    outcome = rng.random()
    if hired:
        path.append("hired")
        application.status = ApplicationStatus.HIRED
    elif outcome < 0.35 or rejected:
        path.append("rejected")
        application.status = ApplicationStatus.REJECTED
        application.reason_code = rng.choice(
            [r.value for r in RejectionReason if r != RejectionReason.OTHER]
        )
    elif outcome < 0.42:
        path.append("withdrawn")
        application.status = ApplicationStatus.WITHDRAWN
    return path


def _settle(
    session: AsyncSession,
    application: Application,
    intake: Intake,
    path: list[str],
    rng: random.Random,
    now: Any,
) -> None:
    """Writes the stage history and the dates that follow from it (closing, HM review)."""
    last_move = _history(session, application, path, application.applied_at, rng)
    application.stage = path[-1]
    application.stage_changed_at = min(last_move, now)
    if application.status != ApplicationStatus.ACTIVE:
        application.closed_at = application.stage_changed_at
    if application.shortlisted_at is not None:
        application.hm_review_due_at = application.shortlisted_at + timedelta(
            hours=intake.hm_review_sla_hours
        )
        if application.stage != "shortlisted":
            application.hm_reviewed_at = application.hm_review_due_at - timedelta(
                hours=rng.randint(-24, 40)
            )
