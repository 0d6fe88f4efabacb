"""Candidates: people in (or about to enter) a pipeline."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

import phonenumbers
from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.core.pagination import Page
from app.models.intakes import PayPeriod
from app.schemas.common import STRICT_INPUT, Name, SingleLine, Text
from app.schemas.intakes import Currency, ExternalId, Money


def _e164(value: str) -> str:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValueError("must be an international number such as +31 20 123 4567") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _lower(value: str) -> str:
    return value.strip().lower()


Phone = Annotated[str, StringConstraints(max_length=40), AfterValidator(_e164)]
Email = Annotated[EmailStr, AfterValidator(_lower)]
Short = Annotated[SingleLine, StringConstraints(min_length=1, max_length=200)]
Tag = Annotated[SingleLine, StringConstraints(min_length=1, max_length=50, to_lower=True)]


class Links(BaseModel):
    """Where to find the candidate online."""

    model_config = STRICT_INPUT

    linkedin: AnyHttpUrl | None = None
    portfolio: AnyHttpUrl | None = None
    github: AnyHttpUrl | None = None
    other: list[AnyHttpUrl] = Field(default_factory=list, max_length=10)


class Consent(BaseModel):
    """The candidate's consent to process their data."""

    model_config = STRICT_INPUT

    given_at: datetime
    basis: Literal["consent", "legitimate_interest", "contract"] = "consent"
    scope: Annotated[Text, StringConstraints(max_length=500)] | None = Field(
        default=None, examples=["This opening and similar ones for 12 months"]
    )
    expires_at: datetime | None = None


class _CandidateFields(BaseModel):
    model_config = STRICT_INPUT

    full_name: Name | None = Field(default=None, examples=["Sam Okafor"])
    email: Email | None = Field(default=None, description="The primary address.")
    other_emails: list[Email] | None = Field(default=None, max_length=10)
    phone: Phone | None = Field(default=None, examples=["+31 20 123 4567"])
    location: Short | None = None
    headline: Annotated[SingleLine, StringConstraints(max_length=300)] | None = None
    current_title: Short | None = None
    current_company: Short | None = None
    links: Links | None = None
    skills: list[Short] | None = Field(default=None, max_length=100)
    pay_expectation_amount: Money | None = None
    pay_expectation_currency: Currency | None = None
    pay_expectation_period: PayPeriod | None = None
    notice_period_days: int | None = Field(default=None, ge=0, le=730)
    source: Annotated[SingleLine, StringConstraints(max_length=100)] | None = Field(
        default=None, examples=["referral"]
    )
    tags: list[Tag] | None = Field(default=None, max_length=50)
    consent: Consent | None = None


class CandidateCreate(_CandidateFields):
    """A new candidate."""

    full_name: Name = Field(examples=["Sam Okafor"])
    external_ids: list[ExternalId] = Field(default_factory=list, max_length=10)

    # Only a whole candidate must carry both; a partial update may change the amount alone
    # (the stored currency applies), which the service checks against the stored record.
    @model_validator(mode="after")
    def _pay_needs_currency(self) -> Any:
        if self.pay_expectation_amount is not None and self.pay_expectation_currency is None:
            raise ValueError("a pay expectation needs a currency")
        return self


class CandidateUpdate(_CandidateFields):
    """A partial update; null clears an optional field."""

    @field_validator("full_name")
    @classmethod
    def _name_not_null(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError("cannot be null")
        return value


class CandidateUpsert(CandidateCreate):
    """The candidate as the ATS knows them, put by its external id."""


class CandidateRead(BaseModel):
    """A candidate, as recruiters, hiring managers, admins and API clients see them.
    Interviewers get a narrower view, `CandidateSummary`; `view` tells the two apart."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(
        from_attributes=True, extra="forbid", json_schema_serialization_defaults_required=True
    )

    view: Literal["full"] = Field(
        default="full", description="`full`: every field (`summary` for interviewers)."
    )
    id: uuid.UUID
    full_name: str
    email: str | None
    other_emails: list[str]
    phone: str | None
    location: str | None
    headline: str | None
    current_title: str | None
    current_company: str | None
    links: dict[str, Any]
    skills: list[str]
    pay_expectation_amount: Money | None
    pay_expectation_currency: str | None
    pay_expectation_period: PayPeriod | None
    notice_period_days: int | None
    source: str | None
    tags: list[str]
    consent: dict[str, Any] | None
    external_ids: list[ExternalId]
    created_at: datetime
    updated_at: datetime


class CandidateSummary(BaseModel):
    """What an interviewer sees of a candidate they interview: no contact data, pay, source,
    tags or consent."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    view: Literal["summary"] = Field(
        default="summary", description="`summary`: the interviewer's view of a candidate."
    )
    id: uuid.UUID
    full_name: str
    headline: str | None
    current_title: str | None
    current_company: str | None
    location: str | None
    links: dict[str, Any]
    skills: list[str]


# What a candidate read answers: the full record, or the summary for interviewers.
CandidateView = Annotated[CandidateRead | CandidateSummary, Field(discriminator="view")]


class CandidateList(Page[CandidateView]):
    """A page of candidates: full records, or summaries for an interviewer."""
