"""Market data: benchmark datasets (the BLS OEWS national table, customers' own imports) and
their pay benchmarks per occupation (SOC code)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Numeric, Text
from sqlmodel import Field, SQLModel

from app.models.base import JSONVariant, UTCDateTime, Versioned, enum_type


class WagePeriod(StrEnum):
    YEAR = "year"
    MONTH = "month"
    HOUR = "hour"


class DatasetStatus(StrEnum):
    IMPORTING = "importing"
    READY = "ready"
    FAILED = "failed"


class SocLevel(StrEnum):
    TOTAL = "total"
    MAJOR = "major"
    MINOR = "minor"
    BROAD = "broad"
    DETAILED = "detailed"


class MarketDataset(Versioned, table=True):
    """One benchmark table: where it comes from, what it covers, and whether it is the default
    used by market checks. `builtin` marks the table shipped with Tandem (loaded by the
    migration that creates these tables)."""

    __tablename__ = "market_datasets"

    name: str = Field(max_length=200)
    source: str = Field(max_length=500)
    release: str = Field(max_length=100)
    area: str = Field(max_length=100)
    currency: str = Field(max_length=3)
    period: WagePeriod = Field(default=WagePeriod.YEAR, sa_type=enum_type(WagePeriod))
    top_code_floor: Decimal | None = Field(default=None, sa_type=Numeric(14, 2))
    is_default: bool = Field(default=False, index=True)
    builtin: bool = False
    status: DatasetStatus = Field(default=DatasetStatus.READY, sa_type=enum_type(DatasetStatus))
    row_count: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONVariant)
    checksum_sha256: str | None = Field(default=None, max_length=64)
    provenance: str | None = Field(default=None, sa_type=Text)
    created_by_id: uuid.UUID | None = None
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MarketBenchmark(SQLModel, table=True):
    """Pay for one occupation in one dataset. A wage cell is NULL when the source printed no
    number: `top_coded` names the cells at or above the dataset's `top_code_floor` (BLS `#`),
    and `wages_available` is false when no figure exists at all (BLS `*`)."""

    __tablename__ = "market_benchmarks"

    dataset_id: uuid.UUID = Field(foreign_key="market_datasets.id", primary_key=True)
    soc_code: str = Field(max_length=7, primary_key=True)
    title: str = Field(max_length=300)
    soc_level: SocLevel = Field(default=SocLevel.DETAILED, sa_type=enum_type(SocLevel))
    employment: int | None = None
    mean: Decimal | None = Field(default=None, sa_type=Numeric(14, 2))
    p10: Decimal | None = Field(default=None, sa_type=Numeric(14, 2))
    p25: Decimal | None = Field(default=None, sa_type=Numeric(14, 2))
    median: Decimal | None = Field(default=None, sa_type=Numeric(14, 2))
    p75: Decimal | None = Field(default=None, sa_type=Numeric(14, 2))
    p90: Decimal | None = Field(default=None, sa_type=Numeric(14, 2))
    top_coded: list[str] = Field(default_factory=list, sa_type=JSONVariant)
    wages_available: bool = True
    currency: str = Field(max_length=3)
    period: WagePeriod = Field(default=WagePeriod.YEAR, sa_type=enum_type(WagePeriod))

    __table_args__ = (Index("ix_market_benchmarks_soc_code", "soc_code"),)
