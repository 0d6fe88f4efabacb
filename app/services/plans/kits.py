"""Interviewer kits: one stage of a plan as what an interviewer trains and interviews with,
in JSON, Markdown or printable HTML."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import NotFound
from app.core.principal import Principal
from app.core.text import escape_markdown
from app.models.plans import InterviewPlan
from app.services.plans.editing import may_read

RATING_NAMES = {"1": "strong no", "2": "no", "3": "yes", "4": "strong yes"}
DO = (
    "ask every candidate for this stage the same core questions, so answers compare",
    "note evidence (what the candidate said and did), not impressions",
    "rate each competency against the rubric, and submit your evaluation within the SLA",
    "tell the candidate how the process continues and when they will hear back",
)
DONT = (
    "ask about age, family plans, pregnancy, religion, health, disability, ethnicity, "
    "nationality, sexual orientation, marital status or union membership",
    "ask for salary history where the law forbids it; ask about expectations instead",
    "discuss your rating with other interviewers before everyone has submitted",
    "promise an outcome, a salary or a start date",
)
LISTEN_FOR_DEFAULT = (
    "A specific situation the candidate was in, what they did themselves, and what came of it."
)
INTRO_MINUTES = 5
WRAP_UP_MINUTES = 5


@cache
def _templates(fmt: str) -> Environment:
    # HTML is autoescaped; in Markdown every value is escaped by `finalize`.
    return Environment(
        loader=PackageLoader("app", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        finalize=escape_markdown if fmt == "markdown" else None,
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )


def _time_plan(duration: int, questions: int) -> list[dict[str, Any]]:
    intro, wrap_up = INTRO_MINUTES, WRAP_UP_MINUTES
    candidate_time = 10 if duration >= 45 else 5
    if duration < 30:
        # Short stages: keep at least half the time for the questions themselves.
        intro = wrap_up = candidate_time = max(duration // 6, 1) if duration >= 3 else 0
    asking = max(duration - intro - candidate_time - wrap_up, 0)
    slots = [(intro, "Introductions, and how this conversation will go")]
    if questions:
        per_question, extra = divmod(asking, questions)
        for i in range(questions):
            slots.append((per_question + (1 if i < extra else 0), f"Question {i + 1}"))
    elif asking:
        slots.append((asking, "Structured questions"))
    slots += [
        (candidate_time, "The candidate's questions"),
        (wrap_up, "Next steps and close"),
    ]
    plan, start = [], 0
    for minutes, activity in slots:
        plan.append({"start_minute": start, "end_minute": start + minutes, "activity": activity})
        start += minutes
    return plan


def _listen_for(competency: dict[str, Any], questions: list[dict[str, Any]]) -> str:
    """The competency's own note; else what good answers to its questions look like."""
    if competency.get("listen_for"):
        return str(competency["listen_for"])
    good = [
        q["what_good_looks_like"]
        for q in questions
        if q["competency_id"] == competency["id"] and q.get("what_good_looks_like")
    ]
    return " ".join(dict.fromkeys(good)) or LISTEN_FOR_DEFAULT


def build_kit(plan_name: str, plan_version: int, stage: Any) -> dict[str, Any]:
    """The kit document for one stage."""
    names = {c["id"]: c["name"] for c in stage["competencies"]}
    competencies = [
        {
            **c,
            "rubric": c.get("rubric") or {},
            "listen_for": _listen_for(c, stage["questions"]),
        }
        for c in stage["competencies"]
    ]
    questions = [
        {**q, "competency_name": names.get(q["competency_id"], "")} for q in stage["questions"]
    ]
    return {
        "plan_name": plan_name,
        "plan_version": plan_version,
        "stage": {
            key: stage[key]
            for key in ("id", "name", "kind", "format", "duration_minutes", "evaluation_required")
        },
        "time_plan": _time_plan(stage["duration_minutes"], len(questions)),
        "competencies": competencies,
        "questions": questions,
        "rating_names": RATING_NAMES,
        "do": list(DO),
        "dont": list(DONT),
    }


def render(kit: dict[str, Any], fmt: str) -> str:
    """The kit as Markdown (`markdown`) or printable HTML (`html`)."""
    return (
        _templates(fmt)
        .get_template(f"kit.{'md' if fmt == 'markdown' else 'html'}.j2")
        .render(kit=kit)
    )


async def get_kit(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, stage_id: uuid.UUID
) -> dict[str, Any]:
    """A stage's kit, for whoever may read the plan and for interviewers in that stage's pool."""
    plan = await session.get(InterviewPlan, plan_id)
    if plan is None:
        raise NotFound(f"No interview plan with id {plan_id}.")
    stage = next((s for s in plan.stages if s["id"] == str(stage_id)), None)
    in_pool = stage is not None and str(principal.user_id) in stage["interviewer_pool"]
    if not (in_pool or await may_read(session, principal, plan)):
        raise NotFound(f"No interview plan with id {plan_id}.")
    if stage is None:
        raise NotFound(f"The plan has no stage {stage_id}.")
    return build_kit(plan.name, plan.plan_version, stage)
