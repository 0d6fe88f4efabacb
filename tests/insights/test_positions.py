"""Placing a pay figure among percentiles: interpolation, the ends, top-coded and missing
percentiles (pure functions: no database)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from app.services.market.figures import figure, position

FLOOR = Decimal(239200)


def row(*values: int | None, top_coded: tuple[str, ...] = (), available: bool = True) -> Any:
    names = ("p10", "p25", "median", "p75", "p90")
    return {
        "mean": None,
        **{n: Decimal(v) if v is not None else None for n, v in zip(names, values, strict=True)},
        "top_coded": list(top_coded),
        "wages_available": available,
    }


DEVELOPERS = row(79850, 103050, 133080, 169000, 211450)
CHIEFS = row(73710, 126080, 206420, None, None, top_coded=("p75", "p90"))
SURGEONS = row(189720, None, None, None, None, top_coded=("p25", "median", "p75", "p90"))
GAPS = row(None, None, 58000, None, None)


@pytest.mark.parametrize(
    ("data", "value", "label", "percentile", "lower", "upper"),
    [
        (DEVELOPERS, 79850, "p10", 10, 10, 25),
        (DEVELOPERS, 79849, "below p10", None, None, 10),
        (DEVELOPERS, 133080, "p50", 50, 50, 75),
        (DEVELOPERS, 211450, "p90", 90, 90, 90),
        (DEVELOPERS, 211451, "above p90", None, 90, None),
        (CHIEFS, 239199, "between p50 and p75", None, 50, 75),
        (CHIEFS, 239200, "p50 or above", None, 50, None),
        (SURGEONS, 200000, "between p10 and p25", None, 10, 25),
        (SURGEONS, 150000, "below p10", None, None, 10),
        (GAPS, 50000, "below p50", None, None, 50),
        (GAPS, 58000, "p50", 50, 50, 50),
        (GAPS, 60000, "above p50", None, 50, None),
    ],
)
def test_positions(data, value, label, percentile, lower, upper):
    placed = position(Decimal(value), data, FLOOR)
    assert placed is not None
    assert (placed.label, placed.percentile, placed.lower, placed.upper) == (
        label,
        percentile,
        lower,
        upper,
    )


def test_no_figures_no_position():
    assert position(Decimal(1000), row(*[None] * 5, available=False), FLOOR) is None
    assert position(Decimal(1000), row(*[None] * 5), FLOOR) is None


def test_figures_read_as_people_read_them():
    assert figure(CHIEFS, "p75", FLOOR).text == "at least 239,200"
    assert figure(CHIEFS, "p75", None).text == "above the published range"
    assert figure(GAPS, "p25", FLOOR).text == "not published"
    assert figure(row(1, 2, 3, 4, 5) | {"p10": Decimal("45.50")}, "p10", None).text == "45.50"
