"""The organisation's profile: how the company presents itself to candidates (one row)."""

from __future__ import annotations

from sqlmodel import Field

from app.models.base import Versioned


class OrganisationProfile(Versioned, table=True):
    """Name, logo and careers contact shown on candidate briefings. `singleton` is unique and
    always true, so the table holds at most one row."""

    __tablename__ = "organisation_profile"

    singleton: bool = Field(default=True, unique=True)
    name: str = Field(max_length=200)
    logo_url: str | None = Field(default=None, max_length=2000)
    website_url: str | None = Field(default=None, max_length=2000)
    careers_contact_name: str | None = Field(default=None, max_length=200)
    careers_email: str | None = Field(default=None, max_length=320)
