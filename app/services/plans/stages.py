"""Plan stage documents: stage and question ids kept or made, competencies embedded with their
rubric, questions tied to the stage's competencies, interviewer pools of active people."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import FieldProblem, NotFound, ValidationFailed
from app.core.ids import new_id
from app.models.base import table_of
from app.models.identity import User
from app.models.plans import Competency
from app.schemas.plans import QuestionIn, StageIn

_competency = table_of(Competency).c
_user = table_of(User).c


async def build_stages(
    session: AsyncSession, stages_in: Sequence[StageIn], keep: Sequence[Mapping[str, Any]] = ()
) -> list[dict[str, Any]]:
    """The stage documents for a plan: ids kept or made, competencies embedded, references
    checked (422 naming each bad one)."""
    competency_ids = {cid for s in stages_in for cid in s.competency_ids}
    pool_ids = {uid for s in stages_in for uid in s.interviewer_pool}
    competencies = (
        await session.execute(select(Competency).where(_competency.id.in_(competency_ids)))
    ).scalars()
    active = (
        await session.execute(
            select(_user.id).where(_user.id.in_(pool_ids), _user.is_active.is_(True))
        )
    ).scalars()
    builder = _StageBuilder(
        known_stage_ids={s["id"] for s in keep},
        known_question_ids={q["id"] for s in keep for q in s["questions"]},
        competencies={row.id: row for row in competencies},
        active_users=set(active),
    )
    stages = [builder.stage(f"body.stages[{i}]", stage) for i, stage in enumerate(stages_in)]
    if builder.problems:
        raise ValidationFailed("The plan's stages are not valid.", errors=builder.problems)
    return stages


def find_stage(stages: Sequence[Mapping[str, Any]], stage_id: uuid.UUID) -> Mapping[str, Any]:
    """One stage of a plan document (404 if the plan has no such stage)."""
    for stage in stages:
        if stage["id"] == str(stage_id):
            return stage
    raise NotFound(f"The plan has no stage {stage_id}.")


@dataclass
class _StageBuilder:
    """Turns input stages into stored stage documents, collecting every problem found."""

    known_stage_ids: set[str]
    known_question_ids: set[str]
    competencies: dict[uuid.UUID, Competency]
    active_users: set[uuid.UUID]
    problems: list[FieldProblem] = field(default_factory=list)
    seen_stage_ids: set[str] = field(default_factory=set)

    def stage(self, at: str, stage: StageIn) -> dict[str, Any]:
        stage_id = str(stage.id) if stage.id else str(new_id())
        if stage.id and stage_id not in self.known_stage_ids:
            self.problem(f"{at}.id", "no such stage in this plan", "unknown_stage")
        if stage_id in self.seen_stage_ids:
            self.problem(f"{at}.id", "stage listed twice", "duplicate")
        self.seen_stage_ids.add(stage_id)
        competencies = self.embedded_competencies(at, stage)
        questions = [
            self.question(f"{at}.questions[{j}]", question, stage)
            for j, question in enumerate(stage.questions)
        ]
        for j, user_id in enumerate(stage.interviewer_pool):
            if user_id not in self.active_users:
                self.problem(f"{at}.interviewer_pool[{j}]", "no active user", "unknown_user")
        return {
            "id": stage_id,
            "name": stage.name,
            "kind": stage.kind.value,
            "duration_minutes": stage.duration_minutes,
            "format": stage.format.value,
            "competencies": competencies,
            "questions": questions,
            "interviewer_pool": [str(u) for u in dict.fromkeys(stage.interviewer_pool)],
            "evaluation_required": stage.evaluation_required,
        }

    def embedded_competencies(self, at: str, stage: StageIn) -> list[dict[str, Any]]:
        """The stage's competencies with their rubric as it is now (the stage keeps it)."""
        embedded = []
        for j, cid in enumerate(dict.fromkeys(stage.competency_ids)):
            competency = self.competencies.get(cid)
            if competency is None:
                self.problem(f"{at}.competency_ids[{j}]", "no such competency", "unknown")
                continue
            embedded.append(
                {
                    "id": str(competency.id),
                    "name": competency.name,
                    "description": competency.description,
                    "rubric": competency.rubric,
                    "listen_for": competency.listen_for,
                }
            )
        return embedded

    def question(self, at: str, question: QuestionIn, stage: StageIn) -> dict[str, Any]:
        if question.competency_id not in stage.competency_ids:
            self.problem(
                f"{at}.competency_id", "must be one of the stage's competencies", "not_in_stage"
            )
        question_id = str(question.id) if question.id else str(new_id())
        if question.id and question_id not in self.known_question_ids:
            self.problem(f"{at}.id", "no such question", "unknown")
        return {
            "id": question_id,
            "text": question.text,
            "competency_id": str(question.competency_id),
            "follow_ups": list(question.follow_ups),
            "what_good_looks_like": question.what_good_looks_like,
        }

    def problem(self, location: str, message: str, code: str) -> None:
        self.problems.append(FieldProblem(location, message, code))
