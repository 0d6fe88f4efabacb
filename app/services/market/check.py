"""The intake against the market: which occupation it is (its SOC code, or the best match for
its title), where its pay range sits among the percentiles, and plain-language warnings."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.core.db import Database
from app.core.principal import Principal
from app.schemas.market import (
    MarketCheckRead,
    MarketWarning,
    OccupationSource,
    OccupationSuggestion,
    OccupationSuggestionsRead,
    PayCompared,
    PayPosition,
)
from app.services.intakes.queries import visible_row
from app.services.market import figures, queries
from app.services.market.matching import Match

# A title match at least this good is used for the market check of an intake without a SOC
# code (and said so); below it the check asks for a SOC code instead of guessing.
CONFIDENT = 0.85
MUST_HAVES_LIMIT = 5
# BLS turns hourly wages into annual ones with a 2,080-hour year (40 hours x 52 weeks).
HOURS_A_YEAR = 2080
PER_YEAR = {"year": Decimal(1), "month": Decimal(12), "hour": Decimal(HOURS_A_YEAR)}
PERIOD_WORD = {"year": "annual", "month": "monthly", "hour": "hourly"}


def confidence(match: Match) -> float:
    return round(match.score / 100, 2)


def _detailed(matches: list[Match]) -> list[Match]:
    return [m for m in matches if m.occupation.soc_level == "detailed"]


async def suggest_occupations(
    db: Database, principal: Principal, intake_id: uuid.UUID, limit: int
) -> OccupationSuggestionsRead:
    """The detailed occupations that best match the intake's title, with a confidence."""
    intake = await visible_row(db, principal, intake_id)
    dataset = await queries.dataset(db, None)
    matches = _detailed(await queries.rank(db, dataset, intake["title"]))[:limit]
    return OccupationSuggestionsRead(
        intake_id=intake["id"],
        title=intake["title"],
        soc_code=intake["soc_code"],
        dataset=queries.summary(dataset),
        data=[
            OccupationSuggestion(
                soc_code=m.occupation.soc_code,
                title=m.occupation.title,
                soc_level=m.occupation.soc_level,
                confidence=confidence(m),
                matched=m.matched,
            )
            for m in matches
        ],
    )


class _Warnings(list[MarketWarning]):
    def add(self, code: str, message: str) -> None:
        self.append(MarketWarning(code=code, message=message))


async def market_check(db: Database, principal: Principal, intake_id: uuid.UUID) -> MarketCheckRead:
    """The intake's market check against the default dataset."""
    intake = await visible_row(db, principal, intake_id)
    dataset = await queries.dataset(db, None)
    warnings = _Warnings()
    row, source, sure = await _occupation(db, dataset, intake, warnings)
    pay = _pay(intake, dataset, row, warnings)
    must_haves = len(intake["must_haves"])
    if must_haves > MUST_HAVES_LIMIT:
        warnings.add(
            "too_many_must_haves",
            f"The intake has {must_haves} must-haves. More than {MUST_HAVES_LIMIT} shrinks the "
            "pool sharply: keep the few that truly decide, and move the rest to nice-to-haves.",
        )
    return MarketCheckRead(
        intake_id=intake["id"],
        dataset=queries.summary(dataset),
        occupation=queries.occupation_read(row, dataset) if row is not None else None,
        occupation_source=source,
        suggestion_confidence=sure,
        employment=row["employment"] if row is not None else None,
        pay=pay,
        must_have_count=must_haves,
        summary=_summary(row, dataset, pay),
        warnings=list(warnings),
    )


async def _occupation(
    db: Database, dataset: Mapping[str, Any], intake: Mapping[str, Any], warnings: _Warnings
) -> tuple[Mapping[str, Any] | None, OccupationSource | None, float | None]:
    """The intake's own occupation, or the confident best match for its title."""
    soc_code = intake["soc_code"]
    if soc_code:
        row = await queries.benchmark(db, dataset, soc_code)
        if row is None:
            warnings.add(
                "occupation_not_in_dataset",
                f"SOC code {soc_code} is not in {dataset['name']}: there is nothing to compare "
                "the intake with. Check the code.",
            )
            return None, None, None
        return row, OccupationSource.INTAKE, None
    matches = _detailed(await queries.rank(db, dataset, intake["title"]))
    if not matches or confidence(matches[0]) < CONFIDENT:
        warnings.add(
            "occupation_unknown",
            f'No occupation matches the title "{intake["title"]}" well enough to compare it. '
            "Set the intake's SOC code (see its occupation suggestions).",
        )
        return None, None, None
    best = matches[0]
    warnings.add(
        "occupation_suggested",
        f"The intake has no SOC code, so it is compared with {best.occupation.title} "
        f"({best.occupation.soc_code}), the best match for its title (confidence "
        f"{confidence(best):.2f}). Set the SOC code to confirm or correct this.",
    )
    row = await queries.benchmark(db, dataset, best.occupation.soc_code)
    return row, OccupationSource.SUGGESTED, confidence(best)


def _pay(
    intake: Mapping[str, Any],
    dataset: Mapping[str, Any],
    row: Mapping[str, Any] | None,
    warnings: _Warnings,
) -> PayCompared:
    low, high = intake["salary_min"], intake["salary_max"]
    period = str(intake["pay_period"])
    compared = PayCompared(
        salary_min=figures.number(low) if low is not None else None,
        salary_max=figures.number(high) if high is not None else None,
        currency=intake["currency"],
        pay_period=period,
        min=None,
        max=None,
        conversion=None,
    )
    if low is None and high is None:
        warnings.add("no_pay_range", "The intake has no pay range, so it cannot be compared.")
        return compared
    if row is None:
        return compared
    market_currency, market_period = row["currency"], str(row["period"])
    if (intake["currency"] or "").upper() != market_currency:
        warnings.add(
            "cannot_compare_currency",
            f"The pay range is in {intake['currency']} and {dataset['name']} in "
            f"{market_currency}. Tandem does not convert currencies (that would take an "
            "exchange rate it does not have), so the range is not compared.",
        )
        return compared
    if not row["wages_available"]:
        warnings.add(
            "no_market_pay",
            figures.wages_note(row, dataset["top_code_floor"]) or "No pay figures exist.",
        )
        return compared
    factor = PER_YEAR[period] / PER_YEAR[market_period]
    if period != market_period:
        compared.conversion = _conversion(period, market_period)
        warnings.add(
            "pay_period_converted",
            f"The range is {PERIOD_WORD[period]} pay and the market figures "
            f"{PERIOD_WORD[market_period]}: it was converted ({compared.conversion}) to compare.",
        )
    floor = dataset["top_code_floor"]
    low_market = low * factor if low is not None else None
    high_market = high * factor if high is not None else None
    compared.min = figures.position(low_market, row, floor) if low_market is not None else None
    compared.max = figures.position(high_market, row, floor) if high_market is not None else None
    if high_market is not None:
        _range_warnings(high_market, row, floor, market_currency, warnings)
    return compared


def _conversion(period: str, market_period: str) -> str:
    steps = {
        ("hour", "year"): "hourly pay x 2,080 hours a year",
        ("month", "year"): "monthly pay x 12",
        ("hour", "month"): "hourly pay x 2,080 hours / 12 months",
        ("year", "hour"): "annual pay / 2,080 hours a year",
        ("month", "hour"): "monthly pay x 12 / 2,080 hours",
        ("year", "month"): "annual pay / 12",
    }
    return steps[(period, market_period)]


def _range_warnings(
    high: Decimal,
    row: Mapping[str, Any],
    floor: Decimal | None,
    currency: str,
    warnings: _Warnings,
) -> None:
    title = row["title"]
    top = f"{figures.money_text(high)} {currency}"
    if figures.below(high, row, "p25", floor):
        warnings.add(
            "pay_range_below_p25",
            f"The whole range is below the 25th percentile for {title} "
            f"({figures.figure(row, 'p25', floor).text} {currency}): three in four people in "
            f"this occupation earn more than the most this role pays ({top}).",
        )
    if figures.below(high, row, "median", floor):
        warnings.add(
            "pay_max_below_median",
            f"The top of the range ({top}) is below the market median for {title} "
            f"({figures.figure(row, 'median', floor).text} {currency}): most people in this "
            "occupation earn more than the most this role pays.",
        )


def _phrase(position: PayPosition) -> str:
    label = position.label
    if position.percentile is not None or label.endswith("or above"):
        return f"at {label}"
    return label


def _summary(row: Mapping[str, Any] | None, dataset: Mapping[str, Any], pay: PayCompared) -> str:
    if row is None:
        return "No occupation to compare with."
    against = f"{row['title']} ({row['soc_code']}), {dataset['name']}"
    parts = []
    if pay.max is not None:
        parts.append(f"Max is {_phrase(pay.max)}")
    if pay.min is not None:
        parts.append(f"min is {_phrase(pay.min)}" if parts else f"Min is {_phrase(pay.min)}")
    if not parts:
        return f"The pay range is not compared with {against}."
    return f"{', '.join(parts)} for {against}."
