"""Pay figures as people read them: published, top-coded ("at least 239,200") or not
published at all, and where a pay figure sits among the percentiles."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.schemas.market import PayPosition, WageFigure, WageStatus

PERCENTILES: tuple[tuple[int, str], ...] = (
    (10, "p10"),
    (25, "p25"),
    (50, "median"),
    (75, "p75"),
    (90, "p90"),
)
WAGE_FIELDS = ("mean", *(name for _, name in PERCENTILES))
PERIOD_ADJECTIVE = {"year": "annual", "month": "monthly", "hour": "hourly"}


def number(value: Decimal | float | int) -> int | float:
    """A whole amount as an int (133080, not 133080.0); cents stay."""
    exact = Decimal(value) if not isinstance(value, Decimal) else value
    return int(exact) if exact == exact.to_integral_value() else float(round(exact, 2))


def money_text(value: Decimal | float | int) -> str:
    shown = number(value)
    return f"{shown:,}" if isinstance(shown, int) else f"{shown:,.2f}"


def wage_status(row: Mapping[str, Any]) -> WageStatus:
    if not row["wages_available"]:
        return WageStatus.NOT_AVAILABLE
    return WageStatus.TOP_CODED if row["top_coded"] else WageStatus.PUBLISHED


def figure(row: Mapping[str, Any], field: str, floor: Decimal | None) -> WageFigure:
    """One wage cell of a benchmark row."""
    value = row[field]
    if value is not None:
        return WageFigure(value=number(value), text=money_text(value))
    if field in row["top_coded"]:
        if floor is None:
            return WageFigure(value=None, top_coded=True, text="above the published range")
        return WageFigure(
            value=None,
            at_least=number(floor),
            top_coded=True,
            text=f"at least {money_text(floor)}",
        )
    return WageFigure(value=None, text="not published")


def wages_note(row: Mapping[str, Any], floor: Decimal | None) -> str | None:
    """Why some figures are missing or bounded, in plain language."""
    status = wage_status(row)
    if status is WageStatus.NOT_AVAILABLE:
        what = PERIOD_ADJECTIVE[str(row["period"])]
        return (
            f"No {what} figure exists for {row['title']}: the source publishes only hourly "
            "wages for it, as people in it usually work less than full time, year round."
        )
    if status is WageStatus.TOP_CODED:
        cells = ", ".join(row["top_coded"])
        bound = f"at least {money_text(floor)}" if floor is not None else "above the range"
        return f"{cells}: {bound}; the source does not publish figures this high."
    return None


def _known_points(
    row: Mapping[str, Any],
) -> list[tuple[int, Decimal | None]]:
    """(percentile, value) with None for a top-coded value."""
    return [(pct, row[name]) for pct, name in PERCENTILES]


def position(value: Decimal, row: Mapping[str, Any], floor: Decimal | None) -> PayPosition | None:
    """Where `value` sits among the row's percentiles (linear between neighbours); None when
    the row has no figures. A top-coded percentile bounds the answer instead of placing it."""
    if not row["wages_available"]:
        return None
    points = _known_points(row)
    shown = number(value)
    first_pct, first_value = points[0]
    if first_value is None:
        return PayPosition(
            value=shown, percentile=None, lower=None, upper=None, label="not placeable"
        )
    if value < first_value:
        return PayPosition(
            value=shown, percentile=None, lower=None, upper=first_pct, label="below p10"
        )
    for (low_pct, low_value), (high_pct, high_value) in itertools.pairwise(points):
        assert low_value is not None  # noqa: S101 - top-coding runs upward; checked below
        if high_value is None:
            return _bounded_by_top_code(shown, value, low_pct, high_pct, floor)
        if value < high_value:
            pct = low_pct + (high_pct - low_pct) * (value - low_value) / (high_value - low_value)
            percentile = int(pct.to_integral_value(rounding="ROUND_HALF_UP"))
            return PayPosition(
                value=shown,
                percentile=percentile,
                lower=low_pct,
                upper=high_pct,
                label=f"p{percentile}",
            )
    last_pct, last_value = points[-1]
    if value == last_value:
        return PayPosition(
            value=shown, percentile=last_pct, lower=last_pct, upper=None, label="p90"
        )
    return PayPosition(value=shown, percentile=None, lower=last_pct, upper=None, label="above p90")


def _bounded_by_top_code(
    shown: int | float, value: Decimal, low_pct: int, high_pct: int, floor: Decimal | None
) -> PayPosition:
    if floor is not None and value < floor:
        # Below the floor, hence below the top-coded percentile.
        return PayPosition(
            value=shown,
            percentile=None,
            lower=low_pct,
            upper=high_pct,
            label=f"between p{low_pct} and p{high_pct}",
        )
    return PayPosition(
        value=shown, percentile=None, lower=low_pct, upper=None, label=f"p{low_pct} or above"
    )


def below(value: Decimal, row: Mapping[str, Any], field: str, floor: Decimal | None) -> bool:
    """Whether `value` is certainly below the row's `field` (a top-coded cell is at least the
    floor, so anything under the floor is below it)."""
    cell = row[field]
    if cell is not None:
        return bool(value < cell)
    return field in row["top_coded"] and floor is not None and value < floor
