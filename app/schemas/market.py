"""Market data: datasets, occupations with their pay figures, title suggestions and the
intake market check."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from app.core.pagination import Page
from app.models.intakes import PayPeriod
from app.models.market import DatasetStatus, SocLevel, WagePeriod
from app.schemas.common import SingleLine
from app.schemas.intakes import Currency

Number = int | float


class DatasetSummary(BaseModel):
    """Which benchmark table a figure comes from."""

    id: uuid.UUID
    name: str = Field(examples=["BLS OEWS national, May 2024"])
    source: str
    release: str = Field(examples=["May 2024"])
    area: str = Field(examples=["United States"])
    currency: str = Field(examples=["USD"])
    period: WagePeriod


class FieldError(BaseModel):
    field: str = Field(examples=["p25"])
    message: str = Field(examples=["not a number"])


class DatasetFieldError(BaseModel):
    """What was wrong with one field of an imported row."""

    field: str = Field(examples=["median"], description="The column (or `row` for the row).")
    message: str = Field(examples=["not a number"])


class DatasetRowErrors(BaseModel):
    """A row of an imported file that was left out, and why."""

    line: int = Field(examples=[7], description="Line in the file (the header is line 1).")
    errors: list[DatasetFieldError]


class MarketDatasetRead(DatasetSummary):
    """A benchmark dataset: the shipped BLS table or an organisation's own import."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    is_default: bool
    builtin: bool
    status: DatasetStatus
    row_count: int
    error_count: int
    top_code_floor: Number | None = Field(
        description="Figures at or above this are not published (BLS `#`): reported as "
        "'at least' this value."
    )
    errors: list[DatasetRowErrors] = Field(
        description="Rows left out of an import, with what was wrong (the first 200)."
    )
    checksum_sha256: str | None
    provenance: str | None
    created_at: datetime
    completed_at: datetime | None


MarketDatasetList = Page[MarketDatasetRead]


class MarketDatasetCreate(BaseModel):
    """An organisation's own benchmark table, sent as form fields beside the CSV file."""

    # Not `extra="forbid"`: the file arrives as a field of the same form.
    model_config = ConfigDict(str_strip_whitespace=True)

    name: Annotated[SingleLine, Field(min_length=1, max_length=200, examples=["Radford 2025 EU"])]
    source: Annotated[SingleLine, Field(min_length=1, max_length=500)]
    release: Annotated[SingleLine, Field(min_length=1, max_length=100, examples=["2025 Q1"])]
    area: Annotated[SingleLine, Field(min_length=1, max_length=100, examples=["Netherlands"])]
    currency: Currency
    period: WagePeriod = WagePeriod.YEAR
    top_code_floor: Annotated[Decimal | None, Field(gt=0, max_digits=14, decimal_places=2)] = None
    make_default: bool = Field(
        default=False, description="Use it for market checks once it is imported."
    )


class WageStatus(StrEnum):
    PUBLISHED = "published"
    TOP_CODED = "top_coded"
    NOT_AVAILABLE = "not_available"


class WageFigure(BaseModel):
    """One pay figure. A top-coded figure has no `value` but is `at_least` the dataset's
    top-code floor; a figure that does not exist has neither."""

    value: Number | None = Field(examples=[133080])
    at_least: Number | None = Field(default=None, examples=[None])
    top_coded: bool = False
    text: str = Field(examples=["133,080"], description="The figure as people read it.")


class OccupationRead(BaseModel):
    """One occupation's benchmark: employment and pay percentiles in the dataset's currency
    and period."""

    soc_code: str = Field(examples=["15-1252"])
    title: str = Field(examples=["Software Developers"])
    soc_level: SocLevel
    employment: int | None = Field(examples=[1654440])
    currency: str = Field(examples=["USD"])
    period: WagePeriod
    wages_status: WageStatus
    wages_note: str | None = Field(
        description="Why figures are missing or bounded, in plain language."
    )
    mean: WageFigure
    p10: WageFigure
    p25: WageFigure
    median: WageFigure
    p75: WageFigure
    p90: WageFigure
    dataset: DatasetSummary


class OccupationMatch(BaseModel):
    """An occupation in a list; in a search, with how well its title matches (0-100)."""

    soc_code: str = Field(examples=["15-1252"])
    title: str = Field(examples=["Software Developers"])
    soc_level: SocLevel
    employment: int | None
    score: float | None = Field(
        ge=0, le=100, examples=[100.0], description="How well it matches `q` (null without `q`)."
    )
    matched: str | None = Field(
        examples=["Software Engineer"],
        description="The official title, or the common job title, that matched `q`.",
    )


OccupationList = Page[OccupationMatch]


class OccupationSuggestion(BaseModel):
    """A suggested occupation for an intake's title."""

    soc_code: str = Field(examples=["15-1252"])
    title: str = Field(examples=["Software Developers"])
    soc_level: SocLevel
    confidence: float = Field(ge=0, le=1, examples=[1.0])
    matched: str = Field(examples=["Backend Engineer"])


class OccupationSuggestionsRead(BaseModel):
    """The best occupations for an intake's title, best first."""

    intake_id: uuid.UUID
    title: str
    soc_code: str | None = Field(description="The intake's own SOC code, if it has one.")
    dataset: DatasetSummary
    data: list[OccupationSuggestion]


class OccupationSource(StrEnum):
    INTAKE = "intake"
    SUGGESTED = "suggested"


class PayPosition(BaseModel):
    """Where one end of the pay range sits among the market percentiles."""

    value: Number = Field(description="The pay figure in the dataset's currency and period.")
    percentile: int | None = Field(
        examples=[38],
        description="Interpolated percentile (10-90) when it can be placed exactly.",
    )
    lower: int | None = Field(description="It is at or above this percentile.")
    upper: int | None = Field(description="It is below this percentile.")
    label: str = Field(examples=["p38"])


class PayCompared(BaseModel):
    """The intake's pay range as compared: converted to the dataset's period when needed."""

    salary_min: Number | None
    salary_max: Number | None
    currency: str | None
    pay_period: PayPeriod
    min: PayPosition | None
    max: PayPosition | None
    conversion: str | None = Field(
        examples=["hourly pay x 2,080 hours a year"],
        description="How the range was converted to the dataset's period, if it was.",
    )


class MarketWarning(BaseModel):
    code: str = Field(examples=["pay_max_below_median"])
    message: str


class TimeToFill(BaseModel):
    """How long similar roles (same SOC code) took here, agreed to filled, against the plan."""

    filled_intakes: int = Field(examples=[4])
    median_days: float = Field(examples=[45.0])
    planned_days: int | None = Field(
        examples=[30], description="Agreement (or today) to the intake's target fill date."
    )


class MarketCheckRead(BaseModel):
    """The intake against the market: pay position, supply and plain-language warnings."""

    intake_id: uuid.UUID
    dataset: DatasetSummary
    occupation: OccupationRead | None
    occupation_source: OccupationSource | None
    suggestion_confidence: float | None = Field(
        description="How sure the title match is, when the occupation was suggested."
    )
    employment: int | None = Field(description="Labour supply: people employed in it.")
    pay: PayCompared
    must_have_count: int
    time_to_fill: TimeToFill | None = Field(
        description="The organisation's own history (at least 3 filled similar intakes)."
    )
    summary: str = Field(examples=["Max is at p38, min is at p12 (Software Developers)."])
    warnings: list[MarketWarning]
