"""The shared parts of the OpenAPI document: tags, security schemes, header parameters,
response headers and the problem responses every operation refers to."""

from __future__ import annotations

from typing import Any

from app.core.principal import ON_BEHALF_OF_HEADER
from app.core.problems import PROBLEM_MEDIA_TYPE, problem_openapi_responses

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a URL, not a secret
TAGS = [
    {"name": "Authentication", "description": "Sign in, refresh, sign out."},
    {
        "name": "Intakes",
        "description": "The signed standard kickoff per opening: requirements, deadlines, "
        "revisions and sign-offs, comments and the question catalogue.",
    },
    {
        "name": "Interview plans",
        "description": "Competencies with rubrics, plans with stages and questions, "
        "interviewer kits, panel readiness.",
    },
    {"name": "Training", "description": "Interviewer training towards qualification; calibration."},
    {
        "name": "Candidates",
        "description": "People in the pipelines: dedupe by e-mail, upsert by ATS id, bulk imports.",
    },
    {
        "name": "Applications",
        "description": "A candidate in an intake's pipeline: stages and history, HM reviews, "
        "the candidate's briefing and its public links.",
    },
    {
        "name": "Interviews",
        "description": "Scheduled meetings of a plan stage with a panel: reschedule, cancel, "
        "complete, calendar invitations.",
    },
    {
        "name": "Evaluations",
        "description": "Scorecards: one per interviewer and interview, due by the intake's "
        "feedback SLA; drafts, submission, amendments; suggested evidence.",
    },
    {
        "name": "Debriefs",
        "description": "Per application: the submitted scorecards side by side, and the "
        "recorded decision with its rationale.",
    },
    {
        "name": "Recordings and transcripts",
        "description": "Recording consent and files; transcripts with speakers, analysis "
        "(talk share, coverage, risky topics), evidence and coaching; transcript search.",
    },
    {"name": "Insights", "description": "Coaching reports per interviewer over time."},
    {"name": "Users", "description": "People, their roles, their hiring-manager profiles."},
    {"name": "Organisation", "description": "The company's profile on candidate briefings."},
    {"name": "API clients", "description": "Integration keys, scoped and revocable (admins)."},
    {"name": "Audit", "description": "Who did what, when, including reads of personal data."},
    {
        "name": "Public",
        "description": "Pages for people without an account, such as the candidate's "
        "briefing behind a shared link.",
    },
    {
        "name": "Market data",
        "description": "Pay and employment by occupation (BLS OEWS by default); intake checks.",
    },
    {"name": "Events", "description": "The change feed, in commit order."},
    {"name": "Webhooks", "description": "Signed deliveries of events to your endpoints."},
    {"name": "Operations", "description": "Health probes and metrics."},
]
SECURITY_SCHEMES = {
    "UserToken": {
        "type": "oauth2",
        "description": "Sign in with e-mail and password; send the access token as a Bearer token.",
        "flows": {"password": {"tokenUrl": TOKEN_URL, "scopes": {}}},
    },
    "ApiKey": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "tnd_…",
        "description": "An integration's API key, sent as `Authorization: Bearer tnd_…`.",
    },
}
PARAMETERS = {
    "OnBehalfOf": {
        "name": ON_BEHALF_OF_HEADER,
        "in": "header",
        "required": False,
        "description": "API keys with the `on_behalf_of` scope: act as this user (a user id). "
        "Leave it out otherwise: when present it must be a UUID (else 422), and only such "
        "keys may send it (else 403).",
        "schema": {"type": "string", "format": "uuid"},
    },
    "IfMatch": {
        "name": "If-Match",
        "in": "header",
        "required": True,
        "description": "The `ETag` from your last read of the resource (`*` matches any). "
        "Without it the answer is 428; when the resource changed since, 412.",
        "schema": {"type": "string", "minLength": 1},
    },
    "IfMatchOptional": {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "Optional here: send the `ETag` from your last read to replace only "
        "that version (412 if it changed since); leave it out to create or replace blindly.",
        "schema": {"type": "string", "minLength": 1},
    },
}
HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "This request's id: the `X-Request-ID` you sent (1-128 of "
        "`A-Z a-z 0-9 . _ : -`) or a new one. Quote it when reporting a problem.",
        "schema": {"type": "string"},
    },
    "RateLimit-Policy": {
        "description": 'The caller\'s request budget: `"budget";q=<requests>;w=<seconds>`.',
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'What is left of the budget: `"budget";r=<remaining>;t=<seconds to reset>`.',
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "ETag": {
        "description": "The strong entity tag of the resource's current version; send it in "
        "`If-Match` to change the resource.",
        "schema": {"type": "string"},
        "example": '"3"',
    },
    "Location": {
        "description": "The URL of the created resource.",
        "schema": {"type": "string", "format": "uri-reference"},
    },
    "Link": {
        "description": 'The next page (RFC 8288): `<…?cursor=…>; rel="next"`; absent on the '
        "last page.",
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored response to an earlier request with the "
        "same `Idempotency-Key` (nothing was done again).",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
SERVERS = [{"url": "/", "description": "This server (paths are absolute from its root)"}]


# The problem responses, shared by reference: status -> component name.
PROBLEM_RESPONSE_NAMES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    412: "PreconditionFailed",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    416: "RangeNotSatisfiable",
    422: "ValidationFailed",
    428: "PreconditionRequired",
    429: "TooManyRequests",
    503: "ServiceUnavailable",
}
_IDEMPOTENCY_RETRY = {
    "description": "Only with a concurrent duplicate of an `Idempotency-Key`: seconds to wait "
    "before retrying.",
    "schema": {"type": "integer", "minimum": 0},
}


def header_ref(name: str) -> dict[str, str]:
    """A reference to one of the shared response headers, for a route's own `responses`."""
    if name not in HEADERS:
        raise KeyError(name)
    return {"$ref": f"#/components/headers/{name}"}


def response_ref(status: int) -> dict[str, str]:
    """A reference to the shared problem response of `status`."""
    return {"$ref": f"#/components/responses/{PROBLEM_RESPONSE_NAMES[status]}"}


def problem_responses() -> dict[str, Any]:
    """`components/responses`: one problem+json response per status, with its headers
    (`RateLimit` is sent once the caller is authenticated, so never with a 401)."""
    out: dict[str, Any] = {}
    for status, response in problem_openapi_responses(*PROBLEM_RESPONSE_NAMES).items():
        assert isinstance(status, int)  # noqa: S101
        headers: dict[str, Any] = {"X-Request-ID": header_ref("X-Request-ID")}
        if status != 401:
            headers |= {name: header_ref(name) for name in ("RateLimit", "RateLimit-Policy")}
        if status in (429, 503):
            headers["Retry-After"] = header_ref("Retry-After")
        if status == 409:
            headers["Retry-After"] = _IDEMPOTENCY_RETRY
        out[PROBLEM_RESPONSE_NAMES[status]] = {**response, "headers": headers}
    return out


def is_shared_problem(status: str, response: dict[str, Any]) -> bool:
    """Whether a route's `responses` entry is the plain problem response of its status (as
    `problem_openapi_responses` writes it), which the shared component replaces."""
    if not status.isdigit() or int(status) not in PROBLEM_RESPONSE_NAMES:
        return False
    (plain,) = problem_openapi_responses(int(status)).values()
    return response == plain and PROBLEM_MEDIA_TYPE in response.get("content", {})
