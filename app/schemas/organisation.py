"""The organisation's profile: how the company presents itself on candidate briefings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from app.schemas.common import STRICT_INPUT, Name, SingleLine

PersonName = Annotated[SingleLine, StringConstraints(min_length=1, max_length=200)]
Url = Annotated[AnyHttpUrl, StringConstraints(max_length=2000)]


class OrganisationUpdate(BaseModel):
    """The whole profile (PUT replaces it; omitted optional fields become empty)."""

    model_config = STRICT_INPUT

    name: Name = Field(examples=["Harbour Payments"])
    logo_url: Url | None = Field(
        default=None,
        description="An image shown at the top of candidate briefings (https, square or wide).",
        examples=["https://harbourpayments.example/logo.svg"],
    )
    website_url: Url | None = Field(default=None, examples=["https://harbourpayments.example"])
    careers_contact_name: PersonName | None = Field(
        default=None,
        description="Who candidates may contact when their recruiter is not available.",
        examples=["Talent team"],
    )
    careers_email: EmailStr | None = Field(
        default=None, examples=["careers@harbourpayments.example"]
    )


class OrganisationRead(BaseModel):
    """The profile; `name` is null (and the version 0) until an admin first sets it."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(from_attributes=True)

    name: str | None
    logo_url: str | None
    website_url: str | None
    careers_contact_name: str | None
    careers_email: str | None
    created_at: datetime | None
    updated_at: datetime | None
