"""The organisation's own time to fill (agreed -> filled) for similar roles: filled intakes
with the same SOC code. The median is taken in SQL (the middle one or two rows by duration)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, bindparam, cast, func, select

from app.core.clock import utcnow
from app.core.db import CompiledQuery, Database
from app.models.base import table_of
from app.models.intakes import Intake, IntakeStatus

# A median of fewer filled intakes says little about how long such roles take here.
MIN_FILLED = 3

_intake = table_of(Intake).c
_similar = (
    _intake.soc_code == bindparam("soc_code"),
    _intake.status == IntakeStatus.FILLED.value,
    _intake.agreed_at.is_not(None),
    _intake.filled_at.is_not(None),
    _intake.id != bindparam("intake_id"),
)


def _days(sqlite: bool) -> ColumnElement[float]:
    if sqlite:
        return cast(func.julianday(_intake.filled_at) - func.julianday(_intake.agreed_at), Float)
    return cast(func.extract("epoch", _intake.filled_at - _intake.agreed_at) / 86400, Float)


def _middle(sqlite: bool) -> CompiledQuery:
    days = _days(sqlite).label("days")
    return CompiledQuery(
        select(days)
        .where(*_similar)
        .order_by(days, _intake.id)
        .limit(bindparam("take", type_=Integer))
        .offset(bindparam("skip", type_=Integer))
    )


_COUNT = CompiledQuery(
    select(func.count().label("filled")).select_from(table_of(Intake)).where(*_similar)
)
_MIDDLE = {True: _middle(True), False: _middle(False)}


@dataclass(frozen=True, slots=True)
class FillHistory:
    soc_code: str
    filled: int
    median_days: float


async def time_to_fill(
    db: Database, intake: Mapping[str, Any], soc_code: str
) -> FillHistory | None:
    """The median days from agreement to filled over the organisation's filled intakes of this
    occupation (the intake itself left out); None with fewer than MIN_FILLED of them."""
    params = {"soc_code": soc_code, "intake_id": intake["id"]}
    counted = await db.fetch_one(_COUNT, params)
    filled = int(counted["filled"]) if counted is not None else 0
    if filled < MIN_FILLED:
        return None
    middle = {"take": 1 if filled % 2 else 2, "skip": (filled - 1) // 2}
    rows = await db.fetch_all(_MIDDLE[db.is_sqlite], {**params, **middle})
    median = sum(float(r["days"]) for r in rows) / len(rows)
    return FillHistory(soc_code, filled, round(median, 1))


def planned_days(intake: Mapping[str, Any]) -> int | None:
    """Days the intake allows from agreement (or today, before agreement) to its target fill
    date; None without a target date."""
    target: date | None = intake["target_fill_date"]
    if target is None:
        return None
    start = intake["agreed_at"].date() if intake["agreed_at"] else utcnow().date()
    return (target - start).days
