"""Checks on what an intake says: the people on its team, its answers, its ranges; and
storing the team (table rows plus the read-model copy)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import FieldProblem, ValidationFailed
from app.core.roles import Role
from app.models.base import table_of
from app.models.identity import User
from app.models.intakes import Intake, IntakeQuestion, IntakeTeamMember, TeamRole
from app.models.plans import InterviewPlan
from app.schemas.intakes import check_ranges
from app.services.intakes import rules

_member = table_of(IntakeTeamMember).c
_user = table_of(User).c
_question = table_of(IntakeQuestion).c


async def team_role(
    session: AsyncSession, intake_id: uuid.UUID, user_id: uuid.UUID | None
) -> TeamRole | None:
    """The person's role on the intake's hiring team, if they are on it."""
    if user_id is None:
        return None
    role = (
        await session.execute(
            select(_member.team_role).where(
                _member.intake_id == intake_id, _member.user_id == user_id
            )
        )
    ).scalar_one_or_none()
    return TeamRole(role) if role is not None else None


async def validate_people(session: AsyncSession, values: Mapping[str, Any]) -> None:
    """Team members exist, are active, and have roles that fit their part."""
    wanted: list[tuple[str, uuid.UUID, frozenset[Role]]] = []
    if values.get("recruiter_id") is not None:
        wanted.append(
            ("body.recruiter_id", values["recruiter_id"], frozenset({Role.RECRUITER, Role.ADMIN}))
        )
    if values.get("hiring_manager_id") is not None:
        wanted.append(
            (
                "body.hiring_manager_id",
                values["hiring_manager_id"],
                frozenset({Role.HIRING_MANAGER, Role.ADMIN}),
            )
        )
    for i, member in enumerate(values.get("team") or []):
        roles = (
            frozenset({Role.RECRUITER, Role.ADMIN})
            if member["team_role"] == TeamRole.COORDINATOR
            else frozenset(Role)
        )
        wanted.append((f"body.team[{i}].user_id", member["user_id"], roles))
    if not wanted:
        return
    ids = {user_id for _, user_id, _ in wanted}
    found = {
        row.id: row
        for row in (
            await session.execute(
                select(_user.id, _user.role, _user.is_active).where(_user.id.in_(ids))
            )
        ).all()
    }
    problems = []
    for location, user_id, roles in wanted:
        user = found.get(user_id)
        if user is None or not user.is_active:
            problems.append(FieldProblem(location, "no active user with this id", "unknown_user"))
        elif Role(user.role) not in roles:
            allowed = ", ".join(sorted(r.value for r in roles))
            problems.append(
                FieldProblem(location, f"this user's role must be one of: {allowed}", "wrong_role")
            )
    if values.get("recruiter_id") is not None and values.get("recruiter_id") == values.get(
        "hiring_manager_id"
    ):
        problems.append(
            FieldProblem("body.hiring_manager_id", "must differ from the recruiter", "same_person")
        )
    if problems:
        raise ValidationFailed("Some people on the hiring team are not valid.", errors=problems)


async def validate_answers(session: AsyncSession, answers: Mapping[Any, Any] | None) -> None:
    if not answers:
        return
    known = set((await session.execute(select(_question.id))).scalars().all())
    unknown = [key for key in answers if uuid.UUID(str(key)) not in known]
    if unknown:
        raise ValidationFailed(
            "Answers refer to questions that do not exist.",
            errors=[
                FieldProblem(f"body.answers.{key}", "unknown question", "unknown_question")
                for key in unknown
            ],
        )


async def plan_version_for(
    session: AsyncSession, intake: Intake, plan_id: uuid.UUID | None
) -> int | None:
    """Check a plan may be attached to this intake (it exists, is no template, belongs to no
    other intake) and claim it; its current version, or None when detaching."""
    if plan_id is None:
        return None
    plan = await session.get(InterviewPlan, plan_id, with_for_update=True)
    problem = None
    if plan is None:
        problem = "no such interview plan"
    elif plan.is_template:
        problem = "a template cannot be attached; copy it for this intake"
    elif plan.intake_id not in (None, intake.id):
        problem = "this plan belongs to another intake"
    if plan is None or problem is not None:
        raise ValidationFailed(
            "The interview plan cannot be attached.",
            errors=[FieldProblem("body.interview_plan_id", problem or "invalid", "invalid_plan")],
        )
    plan.intake_id = intake.id
    return plan.plan_version


def check_consistency(values: Mapping[str, Any]) -> None:
    try:
        check_ranges(dict(values))
    except ValueError as exc:
        raise ValidationFailed(
            str(exc), errors=[FieldProblem("body", str(exc), "inconsistent")]
        ) from None


def team_json(intake: Intake, members: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The read-model copy of the team: recruiter, hiring manager, then the others."""
    return [
        {"user_id": str(intake.recruiter_id), "team_role": TeamRole.RECRUITER.value},
        {"user_id": str(intake.hiring_manager_id), "team_role": TeamRole.HIRING_MANAGER.value},
        *extra_members(members, intake.recruiter_id, intake.hiring_manager_id),
    ]


async def store_team(
    session: AsyncSession, intake: Intake, members: Sequence[Mapping[str, Any]] | None
) -> None:
    """Replace the team rows (and their read-model copy); None keeps coordinators/interviewers."""
    if members is None:
        members = [
            {"user_id": uuid.UUID(m["user_id"]), "team_role": m["team_role"]}
            for m in intake.team
            if m["team_role"] in (TeamRole.COORDINATOR, TeamRole.INTERVIEWER)
        ]
    team = team_json(intake, members)
    await session.execute(delete(IntakeTeamMember).where(_member.intake_id == intake.id))
    session.add_all(
        IntakeTeamMember(
            intake_id=intake.id, user_id=uuid.UUID(m["user_id"]), team_role=TeamRole(m["team_role"])
        )
        for m in team
    )
    intake.team = team


def stored_value(field: str, value: Any) -> Any:
    """A validated input value in the form the model column holds (so equal inputs compare
    equal to what is stored: a requirement without `why` has no `why` key)."""
    if field == "answers" and value is not None:
        return {str(k): v for k, v in value.items()}
    if field in ("must_haves", "nice_to_haves") and value is not None:
        return [{k: v for k, v in rules.jsonable(r).items() if v is not None} for r in value]
    if field == "sync_cadence" and value is not None:
        return rules.jsonable(value)
    return value


def extra_members(
    members: Sequence[Mapping[str, Any]], recruiter_id: uuid.UUID, hiring_manager_id: uuid.UUID
) -> list[dict[str, str]]:
    """Coordinators and interviewers as stored: without the two parties, without repeats."""
    seen = {str(recruiter_id), str(hiring_manager_id)}
    out = []
    for member in members:
        user_id = str(member["user_id"])
        if user_id not in seen:
            seen.add(user_id)
            out.append({"user_id": user_id, "team_role": str(member["team_role"])})
    return out
