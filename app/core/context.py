"""Per-request context (request id, acting principal) carried in context variables."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a user, an API client, or an API client on behalf of a user."""

    user_id: uuid.UUID | None = None
    api_client_id: uuid.UUID | None = None


request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
actor_var: ContextVar[Actor | None] = ContextVar("actor", default=None)
client_address_var: ContextVar[str | None] = ContextVar("client_address", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled, if any."""
    return request_id_var.get()


def current_actor() -> Actor | None:
    """The principal acting in this request, once authenticated."""
    return actor_var.get()
