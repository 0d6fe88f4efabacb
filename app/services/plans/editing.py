"""Interview plans: templates and intake plans, stage documents, copies, versions and locks."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import Database
from app.core.errors import FieldProblem, Forbidden, InvalidState, NotFound, ValidationFailed
from app.core.etag import require_match
from app.core.ids import new_id
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.core.roles import Role
from app.models.base import table_of
from app.models.identity import User
from app.models.intakes import Intake, IntakeTeamMember, TeamRole
from app.models.plans import Competency, InterviewPlan, InterviewPlanVersion
from app.platform.events import record_event
from app.schemas.plans import InterviewPlanCopy, InterviewPlanCreate, InterviewPlanUpdate
from app.services.identity.access import is_staff, unrestricted
from app.services.intakes import rules as intake_rules
from app.services.intakes.editing import note_plan_version
from app.services.intakes.team import team_role
from app.services.plans.stages import build_stages

_plan = table_of(InterviewPlan).c
_version = table_of(InterviewPlanVersion).c
_competency = table_of(Competency).c
_member = table_of(IntakeTeamMember).c
_user = table_of(User).c
_intake = table_of(Intake).c

RESOURCE = "interview_plan"
# Team roles that work on the plan itself (interviewers only see kits of their stages).
PLAN_TEAM_ROLES = (TeamRole.RECRUITER, TeamRole.HIRING_MANAGER, TeamRole.COORDINATOR)


def _visible_plans(viewer: Any) -> ColumnElement[bool]:
    """Templates, plans of intakes the viewer plans on, and the viewer's own drafts."""
    on_team = select(_member.intake_id).where(
        _member.user_id == viewer, or_(*(_member.team_role == role for role in PLAN_TEAM_ROLES))
    )
    return or_(_plan.is_template.is_(True), _plan.intake_id.in_(on_team), _plan.owner_id == viewer)


PLANS = ListQuery(
    "interview_plans",
    select(*table_of(InterviewPlan).c),
    filters={
        "is_template": lambda p: _plan.is_template == p,
        "intake_id": lambda p: _plan.intake_id == p,
        "viewer": _visible_plans,
    },
    orders={"id": Keyset((_plan.id,), ("uuid",))},
)


def _not_found(plan_id: uuid.UUID) -> NotFound:
    return NotFound(f"No interview plan with id {plan_id}.")


async def may_read(session: AsyncSession, principal: Principal, plan: InterviewPlan) -> bool:
    """Templates: staff and hiring managers; intake plans: the intake's planning team."""
    if unrestricted(principal):
        return True
    if principal.role is Role.INTERVIEWER:
        return False
    if plan.is_template:
        return True
    if plan.intake_id is None:
        return principal.role is Role.RECRUITER or plan.owner_id == principal.user_id
    return await team_role(session, plan.intake_id, principal.user_id) in PLAN_TEAM_ROLES


async def _ensure_may_manage(
    session: AsyncSession, principal: Principal, plan: InterviewPlan
) -> None:
    """Templates: recruiters and admins; intake plans: the intake's recruiter and HM."""
    if unrestricted(principal):
        return
    if plan.is_template:
        if principal.role is not Role.RECRUITER:
            raise Forbidden("Recruiters and admins maintain the plan templates.")
        return
    if plan.intake_id is None:
        if plan.owner_id != principal.user_id and principal.role is not Role.RECRUITER:
            raise Forbidden("Only the plan's owner, recruiters and admins may change it.")
        return
    role = await team_role(session, plan.intake_id, principal.user_id)
    if role not in (TeamRole.RECRUITER, TeamRole.HIRING_MANAGER):
        raise Forbidden("The intake's recruiter and hiring manager manage its plan.")


async def load_plan(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, *, for_update: bool = False
) -> InterviewPlan:
    """A plan the caller may read (404 otherwise)."""
    statement = select(InterviewPlan).where(_plan.id == plan_id)
    if for_update:
        statement = statement.with_for_update()
    plan = (await session.execute(statement)).scalar_one_or_none()
    if plan is None or not await may_read(session, principal, plan):
        raise _not_found(plan_id)
    return plan


async def list_plans(
    db: Database,
    cursors: CursorCodec,
    page: PageRequest,
    principal: Principal,
    *,
    is_template: bool | None,
    intake_id: uuid.UUID | None,
) -> PageResult:
    """Templates and the plans of the caller's intakes, oldest first."""
    return await PLANS.page(
        db,
        cursors,
        page,
        order="id",
        is_template=is_template,
        intake_id=intake_id,
        viewer=None if unrestricted(principal) else principal.user_id,
    )


async def _intake_for(session: AsyncSession, principal: Principal, intake_id: uuid.UUID) -> Intake:
    intake = (
        await session.execute(select(Intake).where(_intake.id == intake_id).with_for_update())
    ).scalar_one_or_none()
    role = await team_role(session, intake_id, principal.user_id) if intake else None
    if intake is None or (not unrestricted(principal) and role is None):
        raise ValidationFailed(
            "No such intake.", errors=[FieldProblem("body.intake_id", "no such intake", "unknown")]
        )
    if not unrestricted(principal) and role not in (TeamRole.RECRUITER, TeamRole.HIRING_MANAGER):
        raise Forbidden("The intake's recruiter and hiring manager manage its plan.")
    if intake.status not in intake_rules.EDITABLE_STATUSES:
        raise ValidationFailed(
            "The intake is closed.",
            errors=[FieldProblem("body.intake_id", "the intake is closed", "closed")],
        )
    return intake


async def attach(session: AsyncSession, plan: InterviewPlan, intake: Intake) -> None:
    """Make `plan` the intake's plan (a material change for an intake under review)."""
    plan.intake_id = intake.id
    await session.flush()
    await note_plan_version(session, intake, plan.id, plan.plan_version)


async def create_plan(
    session: AsyncSession, principal: Principal, data: InterviewPlanCreate
) -> InterviewPlan:
    """A new template, or a plan for an intake (attached to it)."""
    if data.is_template and data.intake_id is not None:
        raise ValidationFailed(
            "A template belongs to no intake.",
            errors=[FieldProblem("body.intake_id", "templates have no intake", "template")],
        )
    if data.is_template and not is_staff(principal):
        raise Forbidden("Recruiters and admins maintain the plan templates.")
    intake = await _intake_for(session, principal, data.intake_id) if data.intake_id else None
    plan = InterviewPlan(
        name=data.name,
        description=data.description,
        is_template=data.is_template,
        owner_id=principal.user_id,
        shadows_required=data.shadows_required,
        reverse_shadows_required=data.reverse_shadows_required,
        shadows_evaluate=data.shadows_evaluate,
        stages=await build_stages(session, data.stages),
    )
    session.add(plan)
    await session.flush()
    record_event(session, "interview_plan.created", (RESOURCE, plan.id), _payload(plan))
    if intake is not None:
        await attach(session, plan, intake)
    return plan


async def copy_plan(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, data: InterviewPlanCopy
) -> InterviewPlan:
    """An independent copy (new stage and question ids), optionally for an intake."""
    source = await load_plan(session, principal, plan_id)
    intake = await _intake_for(session, principal, data.intake_id) if data.intake_id else None
    if intake is None and not is_staff(principal):
        raise Forbidden("Copy a plan for one of your intakes (send intake_id).")
    stages = []
    for stage in source.stages:
        questions = [{**q, "id": str(new_id())} for q in stage["questions"]]
        stages.append({**stage, "id": str(new_id()), "questions": questions})
    plan = InterviewPlan(
        name=data.name or source.name,
        description=source.description,
        is_template=False,
        owner_id=principal.user_id,
        copied_from_id=source.id,
        shadows_required=source.shadows_required,
        reverse_shadows_required=source.reverse_shadows_required,
        shadows_evaluate=source.shadows_evaluate,
        stages=stages,
    )
    session.add(plan)
    await session.flush()
    record_event(
        session,
        "interview_plan.created",
        (RESOURCE, plan.id),
        {**_payload(plan), "copied_from_id": str(source.id)},
    )
    if intake is not None:
        await attach(session, plan, intake)
    return plan


async def update_plan(
    session: AsyncSession,
    principal: Principal,
    plan_id: uuid.UUID,
    if_match: list[str] | None,
    data: InterviewPlanUpdate,
) -> InterviewPlan:
    """Change a plan. A locked plan, or one whose intake is under review or agreed, moves to a
    new version (the old one stays readable) and the intake must sign again."""
    plan = await load_plan(session, principal, plan_id, for_update=True)
    await _ensure_may_manage(session, principal, plan)
    require_match(if_match, plan.version)
    changes = data.model_dump(exclude_unset=True, exclude={"stages"})
    new_stages = (
        await build_stages(session, data.stages, plan.stages) if data.stages is not None else None
    )
    changed = {f for f, v in changes.items() if getattr(plan, f) != v}
    if new_stages is not None and new_stages != plan.stages:
        changed.add("stages")
    if not changed:
        return plan
    intake = await session.get(Intake, plan.intake_id) if plan.intake_id else None
    if intake is not None and intake.status not in intake_rules.EDITABLE_STATUSES:
        raise InvalidState(
            "change the plan of a closed intake (copy it for a new one)",
            intake.status,
            intake_rules.EDITABLE_STATUSES,
        )
    content_changed = bool(changed & {"stages", "name", "description"})
    if content_changed and _frozen(plan, intake):
        await freeze_version(session, plan)
        plan.plan_version += 1
        record_event(
            session,
            "interview_plan.version_created",
            (RESOURCE, plan.id),
            {**_payload(plan), "previous_version": plan.plan_version - 1},
        )
    for field in changes:
        setattr(plan, field, changes[field])
    if new_stages is not None:
        plan.stages = new_stages
    await session.flush()
    if intake is not None and intake.interview_plan_id == plan.id:
        await note_plan_version(session, intake, plan.id, plan.plan_version)
    return plan


def _frozen(plan: InterviewPlan, intake: Intake | None) -> bool:
    if plan.locked_version == plan.plan_version:
        return True
    return intake is not None and intake.status in intake_rules.REVIEWED_STATUSES


async def freeze_version(session: AsyncSession, plan: InterviewPlan) -> None:
    """Keep the current version as it is (once), so it stays readable after later edits."""
    exists = (
        await session.execute(
            select(_version.id).where(
                _version.plan_id == plan.id, _version.number == plan.plan_version
            )
        )
    ).first()
    if exists is None:
        session.add(
            InterviewPlanVersion(
                plan_id=plan.id,
                number=plan.plan_version,
                name=plan.name,
                description=plan.description,
                stages=plan.stages,
            )
        )


async def lock_for_agreement(session: AsyncSession, plan_id: uuid.UUID) -> None:
    """The intake using this plan was agreed: its current version is now the agreed one."""
    plan = (
        await session.execute(select(InterviewPlan).where(_plan.id == plan_id).with_for_update())
    ).scalar_one_or_none()
    if plan is None or plan.locked_version == plan.plan_version:
        return
    await freeze_version(session, plan)
    plan.locked_version = plan.plan_version
    await session.flush()


async def get_version(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, number: int
) -> dict[str, Any]:
    """The plan as it stood at version `number` (the current one included)."""
    plan = await load_plan(session, principal, plan_id)
    frozen = (
        await session.execute(
            select(InterviewPlanVersion).where(
                _version.plan_id == plan_id, _version.number == number
            )
        )
    ).scalar_one_or_none()
    if frozen is not None:
        return {
            "plan_id": plan.id,
            "number": number,
            "name": frozen.name,
            "description": frozen.description,
            "stages": frozen.stages,
            "locked_at": frozen.locked_at,
        }
    if number == plan.plan_version:
        return {
            "plan_id": plan.id,
            "number": number,
            "name": plan.name,
            "description": plan.description,
            "stages": plan.stages,
            "locked_at": None,
        }
    raise NotFound(f"The plan has no version {number}.")


def _payload(plan: InterviewPlan) -> dict[str, Any]:
    return {
        "id": str(plan.id),
        "name": plan.name,
        "is_template": plan.is_template,
        "intake_id": str(plan.intake_id) if plan.intake_id else None,
        "plan_version": plan.plan_version,
    }
