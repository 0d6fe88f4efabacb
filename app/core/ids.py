"""Identifiers: time-ordered UUIDv7, so primary keys sort by creation and index well."""

from __future__ import annotations

import uuid

from uuid_utils.compat import uuid7


def new_id() -> uuid.UUID:
    """A new time-ordered (version 7) UUID."""
    return uuid7()
