"""Who may do what: the role and scope matrix, in one place.

Two layers decide every request:
1. Permission: may this role (or API key scope) perform this action on this kind of
   resource at all? If not: 403.
2. Object access: is this particular object visible to the caller (e.g. they are on the
   intake's hiring team)? If not: 404, exactly as if it did not exist, so ids cannot be probed.

`docs/authorization.md` renders this table; a test checks that the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import Forbidden
from app.core.principal import Principal
from app.core.roles import Role
from app.core.scopes import SCOPE_ON_BEHALF_OF

ADMIN = frozenset({Role.ADMIN})
STAFF = frozenset({Role.ADMIN, Role.RECRUITER})
EVERYONE = frozenset(Role)
PLANNERS = frozenset({Role.ADMIN, Role.RECRUITER, Role.HIRING_MANAGER})


@dataclass(frozen=True, slots=True)
class Permission:
    """Roles allowed to act; the API key scope that lets an integration act (None: never, not
    even on behalf of someone); and whether the action only makes sense for a person."""

    roles: frozenset[Role]
    scope: str | None
    requires_user: bool = False


PERMISSIONS: dict[tuple[str, str], Permission] = {
    ("users", "list"): Permission(STAFF, "users:read"),
    ("users", "get"): Permission(EVERYONE, "users:read"),
    ("users", "create"): Permission(ADMIN, "users:write"),
    ("users", "update"): Permission(ADMIN, "users:write"),
    ("users", "deactivate"): Permission(ADMIN, "users:write"),
    ("me", "get"): Permission(EVERYONE, SCOPE_ON_BEHALF_OF, requires_user=True),
    ("me", "change_password"): Permission(EVERYONE, None, requires_user=True),
    ("notifications", "read"): Permission(EVERYONE, SCOPE_ON_BEHALF_OF, requires_user=True),
    ("notifications", "update"): Permission(EVERYONE, SCOPE_ON_BEHALF_OF, requires_user=True),
    ("api_clients", "list"): Permission(ADMIN, None),
    ("api_clients", "get"): Permission(ADMIN, None),
    ("api_clients", "create"): Permission(ADMIN, None),
    ("api_clients", "update"): Permission(ADMIN, None),
    ("api_clients", "revoke"): Permission(ADMIN, None),
    ("hm_profiles", "get"): Permission(EVERYONE, "users:read"),
    ("hm_profiles", "update"): Permission(EVERYONE, "users:write"),
    ("organisation", "get"): Permission(EVERYONE, "organisation:read"),
    ("organisation", "update"): Permission(ADMIN, "organisation:write"),
    ("intake_questions", "list"): Permission(EVERYONE, "intakes:read"),
    ("intake_questions", "manage"): Permission(ADMIN, None),
    ("intakes", "list"): Permission(EVERYONE, "intakes:read"),
    ("intakes", "get"): Permission(EVERYONE, "intakes:read"),
    ("intakes", "create"): Permission(STAFF, "intakes:write"),
    ("intakes", "update"): Permission(STAFF | {Role.HIRING_MANAGER}, "intakes:write"),
    ("intakes", "upsert"): Permission(STAFF, "intakes:write"),
    ("intakes", "submit_for_review"): Permission(STAFF, "intakes:write"),
    ("intakes", "sign_off"): Permission(
        frozenset({Role.RECRUITER, Role.HIRING_MANAGER}), "intakes:write", requires_user=True
    ),
    ("intakes", "change_status"): Permission(STAFF, "intakes:write"),
    ("intakes", "read_revisions"): Permission(EVERYONE, "intakes:read"),
    ("intakes", "market_check"): Permission(EVERYONE, "intakes:read"),
    ("intake_comments", "list"): Permission(EVERYONE, "intakes:read"),
    ("intake_comments", "create"): Permission(EVERYONE, "intakes:write", requires_user=True),
    ("intake_comments", "update"): Permission(EVERYONE, "intakes:write", requires_user=True),
    ("intake_comments", "delete"): Permission(EVERYONE, "intakes:write", requires_user=True),
    ("competencies", "read"): Permission(EVERYONE, "interview_plans:read"),
    ("competencies", "manage"): Permission(STAFF, "interview_plans:write"),
    ("interview_plans", "read"): Permission(PLANNERS, "interview_plans:read"),
    ("interview_plans", "manage"): Permission(PLANNERS, "interview_plans:write"),
    ("interview_plans", "get_kit"): Permission(EVERYONE, "interview_plans:read"),
    ("calibration_exercises", "read"): Permission(EVERYONE, "training:read"),
    ("calibration_exercises", "manage"): Permission(STAFF, "training:write"),
    ("training", "read"): Permission(EVERYONE, "training:read"),
    ("training", "assign"): Permission(PLANNERS, "training:write"),
    ("training", "progress"): Permission(EVERYONE, "training:write"),
    ("training", "calibrate"): Permission(EVERYONE, "training:write", requires_user=True),
    ("candidates", "read"): Permission(EVERYONE, "candidates:read"),
    ("candidates", "create"): Permission(STAFF, "candidates:write"),
    ("candidates", "update"): Permission(STAFF, "candidates:write"),
    ("candidates", "erase"): Permission(ADMIN, "privacy:manage"),
    ("applications", "read"): Permission(EVERYONE, "applications:read"),
    ("applications", "create"): Permission(STAFF, "applications:write"),
    ("applications", "move"): Permission(STAFF, "applications:write"),
    ("applications", "close"): Permission(STAFF, "applications:write"),
    ("applications", "review"): Permission(
        frozenset({Role.ADMIN, Role.HIRING_MANAGER}), "applications:write", requires_user=True
    ),
    ("applications", "review_queue"): Permission(EVERYONE, "applications:read", requires_user=True),
    ("applications", "share_briefing"): Permission(STAFF, "applications:write"),
    ("applications", "debrief"): Permission(EVERYONE, "evaluations:read"),
    ("applications", "decide"): Permission(PLANNERS, "applications:write"),
    ("interviews", "read"): Permission(EVERYONE, "interviews:read"),
    ("interviews", "schedule"): Permission(STAFF, "interviews:write"),
    ("interviews", "complete"): Permission(EVERYONE, "interviews:write"),
    ("evaluations", "read"): Permission(EVERYONE, "evaluations:read"),
    ("evaluations", "write"): Permission(EVERYONE, "evaluations:write", requires_user=True),
    ("evaluations", "mine"): Permission(EVERYONE, "evaluations:read", requires_user=True),
    ("recordings", "read"): Permission(EVERYONE, "interviews:read"),
    ("recordings", "write"): Permission(EVERYONE, "interviews:write"),
    ("transcripts", "read"): Permission(EVERYONE, "interviews:read"),
    ("transcripts", "write"): Permission(EVERYONE, "interviews:write"),
    ("transcripts", "search"): Permission(EVERYONE, "interviews:read"),
    ("coaching", "read"): Permission(EVERYONE, "insights:read"),
    ("market", "read"): Permission(EVERYONE, "insights:read"),
    ("market_datasets", "manage"): Permission(ADMIN, "insights:write"),
    ("imports", "create"): Permission(STAFF, "candidates:write"),
    ("imports", "read"): Permission(STAFF, "candidates:write"),
    ("audit_events", "list"): Permission(ADMIN, "audit:read"),
    ("events", "list"): Permission(ADMIN, "events:read"),
    ("webhooks", "manage"): Permission(ADMIN, "webhooks:manage"),
}


def is_allowed(principal: Principal, resource: str, action: str) -> bool:
    """Whether the principal's role and (for integrations) scopes allow the action."""
    permission = PERMISSIONS[(resource, action)]
    if principal.is_api_client:
        if permission.scope is None or not _has_scope(principal, permission.scope):
            return False
        if principal.acts_for_itself:
            return not permission.requires_user
    # People, and integrations acting for a person, are bound by that person's role.
    return principal.role is not None and principal.role in permission.roles


# The access vocabulary. Services name these predicates rather than spelling the rules out,
# and docs/authorization.md uses the same words.
#
# - "acts for itself": an integration without `On-Behalf-Of` (`Principal.acts_for_itself`);
#   with `On-Behalf-Of` it is bound by the person's role, like that person.
# - "unrestricted": admins and integrations acting for themselves; no object-level
#   restriction applies (everyone else sees only their objects).
# - "staff": unrestricted principals and recruiters, who run hiring across the organisation
#   (every candidate, user, training record, reference answers, internal notes).
# - "on the intake's team": `app.services.intakes.team.team_role` (the team table).


def unrestricted(principal: Principal) -> bool:
    """Admins and integrations acting for themselves: no object-level restriction applies."""
    return principal.role is Role.ADMIN or principal.acts_for_itself


def is_staff(principal: Principal) -> bool:
    """Admins, recruiters and integrations acting for themselves: organisation-wide readers."""
    return principal.role in STAFF or principal.acts_for_itself


def ensure_allowed(principal: Principal, resource: str, action: str) -> None:
    """Raise 403 unless the principal may perform the action on this kind of resource."""
    if not is_allowed(principal, resource, action):
        what = f"{action} {resource.replace('_', ' ')}"
        if principal.acts_for_itself:
            permission = PERMISSIONS[(resource, action)]
            if permission.scope is None:
                raise Forbidden(f"API keys may not {what}; sign in as a person.")
            if permission.requires_user and _has_scope(principal, permission.scope):
                raise Forbidden(f"To {what}, send On-Behalf-Of with a user id.")
            raise Forbidden(
                f"This API key may not {what}; it needs the scope {permission.scope}.",
                extensions={"required_scope": permission.scope},
            )
        raise Forbidden(f"Your role may not {what}.")


def _has_scope(principal: Principal, scope: str) -> bool:
    scopes = principal.scopes or frozenset()
    if scope in scopes:
        return True
    family, _, level = scope.partition(":")
    # Write implies read within a family.
    return level == "read" and f"{family}:write" in scopes
