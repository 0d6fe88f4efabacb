"""What an intake's fields mean for its process: which changes are material, who may edit
what, how deadlines read, and the sign-off state. Pure functions, no database."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from app.models.intakes import IntakeStatus, SignOffParty

# Changing any of these after review means both sides must sign again.
MATERIAL_FIELDS = frozenset(
    {
        "must_haves",
        "nice_to_haves",
        "deal_breakers",
        "salary_min",
        "salary_max",
        "currency",
        "pay_period",
        "level",
        "headcount",
        "remote_policy",
        "employment_type",
        "interview_plan_id",
        "interview_plan_version",
        "feedback_sla_hours",
        "hm_review_sla_hours",
        "shortlist_due_date",
        "target_fill_date",
        "recruiter_id",
        "hiring_manager_id",
    }
)
# What the hiring manager owns: the requirements and their own answers.
HIRING_MANAGER_FIELDS = frozenset(
    {
        "must_haves",
        "nice_to_haves",
        "deal_breakers",
        "ideal_candidate",
        "selling_points",
        "target_companies",
        "talent_pools",
        "answers",
    }
)
# Fields kept in revisions and compared by diffs (everything an agreement covers).
AGREEMENT_FIELDS = (
    "title",
    "department",
    "location",
    "remote_policy",
    "employment_type",
    "level",
    "headcount",
    "salary_min",
    "salary_max",
    "currency",
    "pay_period",
    "soc_code",
    "must_haves",
    "nice_to_haves",
    "deal_breakers",
    "ideal_candidate",
    "selling_points",
    "target_companies",
    "talent_pools",
    "answers",
    "recruiter_id",
    "hiring_manager_id",
    "team",
    "interview_plan_id",
    "interview_plan_version",
    "feedback_sla_hours",
    "hm_review_sla_hours",
    "shortlist_due_date",
    "target_fill_date",
    "sync_cadence",
)
EDITABLE_STATUSES = frozenset(
    {
        IntakeStatus.DRAFT,
        IntakeStatus.IN_REVIEW,
        IntakeStatus.AGREED,
        IntakeStatus.OPEN,
        IntakeStatus.ON_HOLD,
    }
)
REVIEWED_STATUSES = EDITABLE_STATUSES - {IntakeStatus.DRAFT}
TERMINAL_STATUSES = frozenset({IntakeStatus.FILLED, IntakeStatus.CANCELLED})

SHORTLIST_DUE_SOON_DAYS = 3
FILL_DUE_SOON_DAYS = 14


def jsonable(value: Any) -> Any:
    """A value as it is stored in JSON columns (revisions, events)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def sign_off_status(status: str, revision: int, sign_offs: list[dict[str, Any]]) -> str:
    """`not_submitted` for drafts; `signed` when both parties signed the current revision."""
    if status == IntakeStatus.DRAFT:
        return "not_submitted"
    parties = {s["party"] for s in sign_offs if s["revision"] == revision}
    return "signed" if parties >= {p.value for p in SignOffParty} else "pending"


def _deadline(
    due: date | None, today: date, soon_days: int, met_on: date | None
) -> dict[str, Any] | None:
    if due is None:
        return None
    if met_on is not None:
        return {"date": due, "status": "met", "days_remaining": (due - met_on).days}
    remaining = (due - today).days
    status = "overdue" if remaining < 0 else "due_soon" if remaining <= soon_days else "on_track"
    return {"date": due, "status": status, "days_remaining": remaining}


def deadlines(row: Any, today: date) -> dict[str, Any]:
    """Where each agreed date stands, and how long the opening has been open."""
    status = row["status"]
    if status == IntakeStatus.CANCELLED:
        return dict.fromkeys(
            ("shortlist_due_date", "target_fill_date", "days_open", "days_to_target")
        )
    filled_on = row["filled_at"].date() if row["filled_at"] else None
    started = row["opened_at"] or row["agreed_at"]
    started_on = started.date() if started else None
    until = filled_on or today
    target = row["target_fill_date"]
    return {
        "shortlist_due_date": _deadline(
            row["shortlist_due_date"], today, SHORTLIST_DUE_SOON_DAYS, filled_on
        ),
        "target_fill_date": _deadline(target, today, FILL_DUE_SOON_DAYS, filled_on),
        "days_open": (until - started_on).days if started_on else None,
        "days_to_target": (target - started_on).days if started_on and target else None,
    }
