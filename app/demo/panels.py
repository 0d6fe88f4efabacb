"""Demo panels for one application: its interviews per plan stage, their evaluations (mostly
on time, some late, a few still open) and the debrief decisions that match the moves the
application already made. Used by the demo interview seeder."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from app.models.candidates import Application, StageChange
from app.models.intakes import Intake, TeamRole
from app.models.interviews import (
    ApplicationDecision,
    Decision,
    Evaluation,
    EvaluationStatus,
    Interview,
    InterviewParticipant,
    InterviewStatus,
    PanelRole,
    Recommendation,
)
from app.models.plans import InterviewPlan

LEAD = PanelRole.LEAD

LATE_SHARE = 0.18
# Of the evaluations of interviews in an application's current stage, how many are still open.
OPEN_SHARE = 0.5
OVERRIDE = (
    "Iris has done her shadow interviews; she leads while Hugo sits in until her reverse "
    "shadows are signed off."
)
EVIDENCE = {
    1: "No concrete example; answers stayed generic.",
    2: "One example, small in scope, and mostly led by others.",
    3: "Specific examples with their own part and the results.",
    4: "Several strong examples at larger scope, and taught others along the way.",
}
SUMMARIES = {
    Recommendation.STRONG_NO: "Clear gaps against the must-haves; I would not continue.",
    Recommendation.NO: "Some good moments, but not at the level the role needs.",
    Recommendation.YES: "Solid across the board; happy to move forward.",
    Recommendation.STRONG_YES: "Excellent; one of the strongest candidates for this role.",
}
THRESHOLDS = (
    (1.8, Recommendation.STRONG_NO),
    (2.5, Recommendation.NO),
    (3.3, Recommendation.YES),
    (float("inf"), Recommendation.STRONG_YES),
)
RATIONALES = {
    Decision.ADVANCE: "The panel's evidence meets the bar for this stage; no open concerns.",
    Decision.REJECT: "Ratings below the bar on the stage's core competencies.",
    Decision.HIRE: "Strong evidence across every stage; the panel agrees.",
}


def interviewer_of(intake: Intake) -> uuid.UUID | None:
    """The first interviewer on the intake team, if any."""
    for member in intake.team:
        if member.get("team_role") == TeamRole.INTERVIEWER:
            return uuid.UUID(str(member["user_id"]))
    return None


def usual_lead(intake: Intake, stage: Mapping[str, Any]) -> uuid.UUID | None:
    """Who normally leads a stage of this kind: recruiter, hiring manager or interviewer."""
    if stage["kind"] == "screen":
        return intake.recruiter_id
    if stage["kind"] == "hiring_manager":
        return intake.hiring_manager_id
    return interviewer_of(intake)


class PanelSeeder:
    """Interviews of one application (one intake, one plan, one seeded generator)."""

    def __init__(
        self,
        rng: random.Random,
        intake: Intake,
        plan: InterviewPlan,
        qualified: set[tuple[uuid.UUID, str, uuid.UUID]],
        now: datetime,
    ) -> None:
        self.rng, self.intake, self.plan = rng, intake, plan
        self.interviews: list[Interview] = []
        self.dependents: list[Any] = []
        self.qualified, self.now = qualified, now
        self.stages = {stage["id"]: stage for stage in plan.stages}
        self.order = [stage["id"] for stage in plan.stages]
        self.sla = timedelta(hours=intake.feedback_sla_hours)
        # The application being seeded: its level at the stage, and until when it was there.
        self.level, self.latest, self.current = 2.5, now, False
        # How each person tends to rate: interviewers generous, the HM strict.
        self.bias = {intake.hiring_manager_id: -0.3, intake.recruiter_id: 0.0}
        interviewer = interviewer_of(intake)
        if interviewer is not None:
            self.bias[interviewer] = 0.35

    def application(self, application: Application, history: Sequence[StageChange]) -> None:
        """Interviews for every plan stage the application passed through (or sits in)."""
        for i, change in enumerate(history):
            stage = self.stages.get(change.to_stage)
            entered = change.at
            if stage is None or entered > self.now - timedelta(hours=2):
                continue  # not a plan stage, or (a demo quirk) a move not yet happened
            following = history[i + 1] if i + 1 < len(history) else None
            left = min(following.at, self.now) if following else self.now
            outcome = self._outcome(change.to_stage, following)
            self._interview(application, stage, entered, left, outcome, current=following is None)
            if following is not None and outcome is not None and following.at <= self.now:
                decision = ApplicationDecision(
                    application_id=application.id,
                    decision=outcome,
                    rationale=RATIONALES[outcome],
                    from_stage=change.to_stage,
                    to_stage=following.to_stage,
                    reason_code=application.reason_code if outcome is Decision.REJECT else None,
                    decided_by_id=self.intake.hiring_manager_id,
                    decided_at=following.at,
                )
                self.dependents.append(decision)

    def _outcome(self, stage_id: str, following: StageChange | None) -> Decision | None:
        if following is None:
            return None
        if following.to_stage == "rejected":
            return Decision.REJECT
        if following.to_stage == "hired":
            return Decision.HIRE
        later = self.order[self.order.index(stage_id) + 1 :]
        return Decision.ADVANCE if following.to_stage in later else None

    def _interview(
        self,
        application: Application,
        stage: Mapping[str, Any],
        entered: datetime,
        left: datetime,
        outcome: Decision | None,
        *,
        current: bool,
    ) -> None:
        rng = self.rng
        if current and self.now - entered < timedelta(days=1):
            # Just moved here: the interview is still ahead.
            starts = (self.now + timedelta(days=rng.randint(1, 3))).replace(
                hour=rng.choice((9, 10, 13, 14, 15)), minute=0, second=0, microsecond=0
            )
        else:
            window = (left - entered) * rng.uniform(0.15, 0.35)
            starts = (entered + window).replace(minute=0, second=0, microsecond=0)
            starts += timedelta(hours=1)
        # Candidates who advance did well; those rejected after the stage did not.
        low, high = {Decision.REJECT: (1.3, 2.4), None: (1.8, 3.6)}.get(outcome, (2.7, 3.8))
        self.level = rng.uniform(low, high)
        self.latest, self.current = left, current
        slots = [(starts, False)]
        if rng.random() < 0.08 and starts - entered > timedelta(hours=30):
            # The candidate asked to move it once: a cancelled slot a day earlier.
            slots.insert(0, (starts - timedelta(days=1), True))
        for slot, cancelled in slots:
            self._slot(application, stage, slot, cancelled=cancelled)

    def _slot(
        self,
        application: Application,
        stage: Mapping[str, Any],
        starts: datetime,
        *,
        cancelled: bool,
    ) -> None:
        rng = self.rng
        ends = starts + timedelta(minutes=int(stage.get("duration_minutes") or 45))
        panel = self._panel(stage)
        unqualified = (self.plan.id, stage["id"], panel[0][0]) not in self.qualified
        held = ends <= self.now and not cancelled
        scheduled_at = starts - timedelta(days=rng.randint(2, 5), hours=rng.randint(0, 6))
        onsite = stage.get("format") == "onsite"
        status = InterviewStatus.COMPLETED if held else InterviewStatus.SCHEDULED
        interview = Interview(
            application_id=application.id,
            intake_id=self.intake.id,
            plan_id=self.plan.id,
            plan_version=self.plan.plan_version,
            stage_id=stage["id"],
            stage_name=stage["name"],
            starts_at=starts,
            ends_at=ends,
            timezone="Europe/Amsterdam",
            location="Amsterdam office, Keizersgracht 100" if onsite else None,
            video_url=None if onsite else f"https://meet.example.com/{rng.randrange(16**8):08x}",
            status=InterviewStatus.CANCELLED if cancelled else status,
            override_reason=OVERRIDE if unqualified else None,
            cancel_reason="The candidate asked for another day." if cancelled else None,
            cancelled_at=starts - timedelta(hours=20) if cancelled else None,
            completed_at=ends + timedelta(minutes=5) if held else None,
            sequence=1 if cancelled else 0,
            scheduled_by_id=self.intake.recruiter_id,
            created_at=scheduled_at,
            updated_at=scheduled_at,
            panel=[
                {"user_id": str(u), "role": r.value, "unqualified_lead": r is LEAD and unqualified}
                for u, r in panel
            ],
        )
        self.interviews.append(interview)
        for user, role in panel:
            self.dependents.append(
                InterviewParticipant(
                    interview_id=interview.id,
                    user_id=user,
                    role=role,
                    starts_at=starts,
                    ends_at=ends,
                    active=not cancelled,
                    unqualified_lead=role is LEAD and unqualified,
                )
            )
            if role is not PanelRole.SHADOW and stage.get("evaluation_required", True):
                self._evaluation(interview, stage, user, role)

    def _panel(self, stage: Mapping[str, Any]) -> list[tuple[uuid.UUID, PanelRole]]:
        """The usual lead (from the pool), often with the HM as a second interviewer."""
        pool = [uuid.UUID(u) for u in stage.get("interviewer_pool", [])]
        lead = usual_lead(self.intake, stage)
        if lead not in pool:
            lead = pool[0] if pool else self.intake.recruiter_id
        panel = [(lead, LEAD)]
        manager, roll = self.intake.hiring_manager_id, self.rng.random()
        if lead != manager and manager in pool and roll < 0.85:
            panel.append((manager, PanelRole.INTERVIEWER if roll < 0.7 else PanelRole.SHADOW))
        return panel

    def _evaluation(
        self, interview: Interview, stage: Mapping[str, Any], user: uuid.UUID, role: PanelRole
    ) -> None:
        rng, ends = self.rng, interview.ends_at
        evaluation = Evaluation(
            interview_id=interview.id,
            application_id=interview.application_id,
            intake_id=self.intake.id,
            interviewer_id=user,
            panel_role=role,
            stage_id=stage["id"],
            competencies=[{"id": str(c["id"]), "name": c["name"]} for c in stage["competencies"]],
            feedback_sla_hours=self.intake.feedback_sla_hours,
            due_at=ends + self.sla,
            escalates_at=ends + 2 * self.sla,
            next_reminder_at=ends + timedelta(hours=1),
            created_at=interview.created_at,
            updated_at=interview.created_at,
        )
        self.dependents.append(evaluation)
        if interview.status is InterviewStatus.CANCELLED:
            evaluation.status, evaluation.next_reminder_at = EvaluationStatus.CANCELLED, None
            return
        if interview.status is InterviewStatus.SCHEDULED:
            return
        if rng.random() < LATE_SHARE:
            turnaround = self.sla + timedelta(hours=rng.uniform(2, 40))
        else:
            turnaround = timedelta(hours=rng.uniform(0.5, self.sla.total_seconds() / 3600 - 1))
        submitted = ends + turnaround
        if submitted > self.latest and not self.current:
            # Scorecards are in before the debrief decided; late ones only just so.
            submitted = max(ends + timedelta(minutes=30), self.latest - timedelta(hours=1))
        content = self._content(evaluation, self.level + self.bias.get(user, 0.0))
        if submitted > self.now or (self.current and rng.random() < OPEN_SHARE):
            if rng.random() < 0.5:  # a draft: started, not finished
                evaluation.status = EvaluationStatus.DRAFT
                evaluation.ratings = content["ratings"][:1]
                evaluation.updated_at = min(ends + timedelta(hours=2), self.now)
            return
        evaluation.ratings = content["ratings"]
        evaluation.recommendation = content["recommendation"]
        evaluation.summary = content["summary"]
        evaluation.status = EvaluationStatus.SUBMITTED
        evaluation.submitted_at = evaluation.updated_at = submitted
        evaluation.turnaround_seconds = max(0, int((submitted - ends).total_seconds()))
        evaluation.on_time = submitted <= evaluation.due_at
        evaluation.next_reminder_at = None

    def _content(self, evaluation: Evaluation, level: float) -> dict[str, Any]:
        """Ratings around the candidate's level (now and then not assessed), and the
        recommendation they add up to."""
        ratings = []
        for competency in evaluation.competencies:
            skipped = self.rng.random() < 0.06
            rating = None if skipped else min(4, max(1, round(self.rng.gauss(level, 0.55))))
            notes = "Ran out of time before this topic." if rating is None else EVIDENCE[rating]
            ratings.append(
                {
                    "competency_id": competency["id"],
                    "rating": rating,
                    "not_assessed": skipped,
                    "notes": notes,
                }
            )
        numbers = [r["rating"] for r in ratings if r["rating"] is not None]
        overall = (sum(numbers) / len(numbers) if numbers else level) + self.rng.gauss(0, 0.3)
        recommendation = next(r for bar, r in THRESHOLDS if overall < bar)
        return {
            "ratings": ratings,
            "recommendation": recommendation,
            "summary": SUMMARIES[recommendation],
        }
