"""The authenticated caller of a request."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from app.core.errors import FieldProblem, ValidationFailed
from app.core.roles import Role


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user, an API client, or an API client acting on behalf of a user.

    `scopes` is None for people (their role decides) and the key's scopes for API clients.
    """

    user_id: uuid.UUID | None
    role: Role | None
    api_client_id: uuid.UUID | None = None
    scopes: frozenset[str] | None = None
    email: str | None = None
    full_name: str | None = None
    session_id: uuid.UUID | None = None
    expires_at: float = float("inf")  # when the credential that proved it expires (epoch s)

    @property
    def key(self) -> str:
        """A stable string naming this principal (rate limits, idempotency keys)."""
        if self.api_client_id is not None:
            suffix = f":{self.user_id}" if self.user_id else ""
            return f"client:{self.api_client_id}{suffix}"
        return f"user:{self.user_id}"

    @property
    def budget_key(self) -> str:
        """Whose request budget a request spends: an integration has one budget, whoever
        it acts for."""
        if self.api_client_id is not None:
            return f"client:{self.api_client_id}"
        return f"user:{self.user_id}"

    @property
    def is_api_client(self) -> bool:
        return self.api_client_id is not None

    @property
    def on_behalf_of(self) -> bool:
        return self.api_client_id is not None and self.user_id is not None

    @property
    def acts_for_itself(self) -> bool:
        """An integration acting as itself (no `On-Behalf-Of`): no person's role binds it."""
        return self.api_client_id is not None and self.user_id is None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


ON_BEHALF_OF_HEADER = "On-Behalf-Of"
# The canonical 8-4-4-4-12 form only, as `format: uuid` in the OpenAPI document says:
# `uuid.UUID` alone would also take braces, URNs and bare hex.
_CANONICAL_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def parse_on_behalf_of(header: str) -> uuid.UUID:
    """The user id an `On-Behalf-Of` header names; a 422 problem when the header is present but
    empty or not a UUID, whoever sends it (the spec declares it `format: uuid`)."""
    value = header.strip()
    if not _CANONICAL_UUID.fullmatch(value):
        raise ValidationFailed(
            "On-Behalf-Of must be a user id (a UUID); leave the header out to act as yourself.",
            errors=[
                FieldProblem(
                    f"header.{ON_BEHALF_OF_HEADER}",
                    "empty" if not value else "is not a UUID",
                    "uuid_parsing",
                )
            ],
        )
    return uuid.UUID(value)
