"""The scopes an API key may carry: `<family>:read|write` per resource family, plus a few
single-purpose scopes. `app.services.identity.access` decides what each scope allows."""

from __future__ import annotations

SCOPE_ON_BEHALF_OF = "on_behalf_of"

# Every scope an API key may carry; `<family>:read|write` per resource family.
SCOPE_FAMILIES = (
    "users",
    "organisation",
    "intakes",
    "interview_plans",
    "training",
    "candidates",
    "applications",
    "interviews",
    "evaluations",
    "events",
    "insights",
)
KNOWN_SCOPES = frozenset(
    {f"{family}:{level}" for family in SCOPE_FAMILIES for level in ("read", "write")}
    | {"audit:read", "webhooks:manage", "privacy:manage", SCOPE_ON_BEHALF_OF}
)
