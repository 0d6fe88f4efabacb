"""The OpenAPI document: problem schemas, security schemes, tags, servers, and the protocol.

FastAPI writes what each route declares. This module adds, once and for every route, what
follows from the route's traits rather than from its code: the problem statuses it can
answer (a body can be malformed, too large or of the wrong type; a path id can be unknown;
an If-Match can be stale or missing; a caller can be unauthenticated, refused or rate
limited; the database can be away), the response headers the platform sends (X-Request-ID,
RateLimit, Retry-After, ETag, Location, Link, Idempotent-Replayed), and which header
parameters are required. Routes declare only what is particular to them.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from app.core.pagination import Page
from app.core.principal import ON_BEHALF_OF_HEADER
from app.core.problems import FieldError, Problem, problem_openapi_responses

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
PROBE_PATHS = frozenset({"/livez", "/readyz", "/metrics"})
SERVERS = [{"url": "/", "description": "This server (paths are absolute from its root)"}]


def header_ref(name: str) -> dict[str, str]:
    """A reference to one of the shared response headers, for a route's own `responses`."""
    if name not in HEADERS:
        raise KeyError(name)
    return {"$ref": f"#/components/headers/{name}"}


def _marked(dependant: Dependant, attribute: str) -> bool:
    """Whether the route depends, directly or not, on a callable carrying `attribute`."""
    if getattr(dependant.call, attribute, False):
        return True
    return any(_marked(sub, attribute) for sub in dependant.dependencies)


def _models(annotation: Any) -> Iterable[Any]:
    """The classes a response model names, looking inside unions."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        for arg in typing.get_args(annotation):
            yield from _models(arg)
    elif origin is typing.Annotated:
        yield from _models(typing.get_args(annotation)[0])
    else:
        yield annotation


def _sends_etag(route: APIRoute) -> bool:
    return any(getattr(m, "sends_etag", False) is True for m in _models(route.response_model))


def _is_list(route: APIRoute) -> bool:
    return any(isinstance(m, type) and issubclass(m, Page) for m in _models(route.response_model))


def _same_text(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(text.split()).rstrip(".").casefold()

    return norm(a) == norm(b)


class _Operation:
    """One operation of the document with the traits of the route behind it."""

    def __init__(self, route: APIRoute, operation: dict[str, Any]) -> None:
        self.route = route
        self.operation = operation
        self.parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
        self.authenticated = _marked(route.dependant, "authenticates")
        self.database = self.authenticated or _marked(route.dependant, "uses_database")
        self.if_match_required = _marked(route.dependant, "if_match_required")

    def header(self, name: str) -> dict[str, Any] | None:
        return next(
            (p for p in self.parameters if p.get("in") == "header" and p.get("name") == name), None
        )

    @property
    def has_body(self) -> bool:
        return "requestBody" in self.operation

    @property
    def path_parameters(self) -> bool:
        return any(p.get("in") == "path" for p in self.parameters)

    @property
    def creates_by_put(self) -> bool:
        """A PUT that answers 201 creates what its path names: there is nothing to miss."""
        return self.route.methods == {"PUT"} and "201" in self.operation["responses"]

    def problem_statuses(self) -> set[int]:
        """The problem statuses that follow from the route's traits."""
        statuses: set[int] = set()
        if self.parameters or self.has_body or self.authenticated:
            statuses.add(422)
        if self.has_body:
            statuses |= {400, 413, 415}
        if self.path_parameters and not self.creates_by_put:
            statuses.add(404)
        if self.header("If-Match") is not None:
            statuses.add(412)
            if self.if_match_required:
                statuses.add(428)
        if self.header("Idempotency-Key") is not None:
            statuses |= {409, 422}
        if self.authenticated:
            statuses |= {401, 403, 429}
        if self.database:
            statuses.add(503)
        return statuses


def _share_header_parameters(op: _Operation) -> None:
    """If-Match as the shared, non-nullable parameter (required where a missing one is a 428);
    other header parameters lose the `null` FastAPI adds for optional ones (a header is
    either absent or a string)."""
    for index, parameter in enumerate(op.parameters):
        if parameter.get("in") != "header":
            continue
        if parameter.get("name") == "If-Match":
            name = "IfMatch" if op.if_match_required else "IfMatchOptional"
            op.parameters[index] = {"$ref": f"#/components/parameters/{name}"}
            continue
        schema = parameter.get("schema", {})
        variants = schema.get("anyOf")
        if variants and len(variants) == 2 and {"type": "null"} in variants:
            (plain,) = (v for v in variants if v != {"type": "null"})
            parameter["schema"] = {
                **plain,
                **{k: v for k, v in schema.items() if k not in ("anyOf", "title")},
            }
    if op.authenticated:
        op.parameters.append({"$ref": "#/components/parameters/OnBehalfOf"})
    if not op.parameters:
        del op.operation["parameters"]


def _add_problems(op: _Operation) -> None:
    responses: dict[str, Any] = op.operation["responses"]
    for status, response in problem_openapi_responses(*sorted(op.problem_statuses())).items():
        responses.setdefault(str(status), response)
    op.operation["responses"] = dict(
        sorted(responses.items(), key=lambda item: (not item[0].startswith("2"), item[0]))
    )


def _add_headers(op: _Operation) -> None:
    idempotent = op.header("Idempotency-Key") is not None
    for status, response in op.operation["responses"].items():
        if not isinstance(response, dict) or "$ref" in response:
            continue
        names = ["X-Request-ID"]
        code = int(status) if status.isdigit() else 0
        if op.authenticated and code != 401:
            names += ["RateLimit", "RateLimit-Policy"]
        if code in (429, 503) or (code == 409 and idempotent):
            names.append("Retry-After")
        if 200 <= code < 300:
            if _sends_etag(op.route) and code != 204:
                names.append("ETag")
            if code in (201, 202) and (_sends_etag(op.route) or code == 202):
                names.append("Location")
            if _is_list(op.route):
                names.append("Link")
        if idempotent and code < 500:
            names.append("Idempotent-Replayed")
        headers = response.setdefault("headers", {})
        for name in names:
            headers.setdefault(name, header_ref(name))


def _tidy_description(operation: dict[str, Any]) -> None:
    """A description says what the summary does not: one that only repeats it is dropped."""
    description = operation.get("description")
    if description is not None and (
        not description.strip() or _same_text(description, operation.get("summary", ""))
    ):
        del operation["description"]


def _operations(application: FastAPI, paths: Mapping[str, Any]) -> Iterable[_Operation]:
    for context in iter_route_contexts(application.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        item = paths.get(route.path_format, {})
        for method in sorted(route.methods or ()):
            operation = item.get(method.lower())
            if operation is not None:
                yield _Operation(route, operation)


def _problem_schemas() -> dict[str, Any]:
    schemas = {
        model.__name__: model.model_json_schema(ref_template="#/components/schemas/{model}")
        for model in (FieldError, Problem)
    }
    schemas["Problem"].pop("$defs", None)
    return schemas


def build_openapi(application: FastAPI) -> dict[str, Any]:
    """The spec, generated once: FastAPI's, plus the protocol every route follows."""
    if application.openapi_schema:
        return application.openapi_schema
    schema = get_openapi(
        title=application.title,
        version=application.version,
        description=application.description,
        routes=application.routes,
        tags=TAGS,
        servers=SERVERS,
    )
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {}).update(_problem_schemas())
    components["securitySchemes"] = SECURITY_SCHEMES
    components["parameters"] = PARAMETERS
    components["headers"] = HEADERS
    for op in _operations(application, schema["paths"]):
        if op.authenticated:
            op.operation["security"] = [{"UserToken": []}, {"ApiKey": []}]
        _share_header_parameters(op)
        if op.route.path_format not in PROBE_PATHS:
            _add_problems(op)
        _add_headers(op)
        _tidy_description(op.operation)
    application.openapi_schema = schema
    return schema
