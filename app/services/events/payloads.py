"""What subscribers receive: the event envelope, minus personal fields their scopes do not allow."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.services.events.catalogue import CATALOGUE

# `None`: a person (or a subscription owned by one): nothing is withheld.
Scopes = frozenset[str] | None


def scope_allows(scopes: Scopes, scope: str) -> bool:
    """Whether a set of API key scopes includes `scope` (`write` implies `read`)."""
    if scopes is None:
        return True
    family, _, level = scope.partition(":")
    return scope in scopes or (level == "read" and f"{family}:write" in scopes)


def redact(event_type: str, data: Mapping[str, Any], scopes: Scopes) -> dict[str, Any]:
    """The event's data without the personal fields `scopes` do not unlock."""
    result = copy.deepcopy(dict(data))
    entry = CATALOGUE.get(event_type)
    if entry is None or scopes is None:
        return result
    for path, scope in entry.personal.items():
        if scope_allows(scopes, scope):
            continue
        *parents, leaf = path.split(".")
        target: Any = result
        for parent in parents:
            target = target.get(parent) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target.pop(leaf, None)
    return result


def _iso(value: datetime | str) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def envelope(row: Mapping[str, Any], scopes: Scopes) -> dict[str, Any]:
    """The body of a delivery and an item of the feed: `{id, type, version, occurred_at,
    actor, subject, data}`; the data is what was recorded when the event happened."""
    entry = CATALOGUE.get(row["type"])
    user_id, api_client_id = row.get("actor_user_id"), row.get("actor_api_client_id")
    return {
        "id": str(row["id"]),
        "type": row["type"],
        "version": entry.version if entry else 1,
        "occurred_at": _iso(row["occurred_at"]),
        "actor": {
            "user_id": str(user_id) if user_id else None,
            "api_client_id": str(api_client_id) if api_client_id else None,
        },
        "subject": {"type": row["subject_type"], "id": row["subject_id"]},
        "data": redact(row["type"], row["payload"] or {}, scopes),
    }
