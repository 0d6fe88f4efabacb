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
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from app.core.openapi_components import (
    HEADERS,
    PARAMETERS,
    SECURITY_SCHEMES,
    SERVERS,
    TAGS,
    header_ref,
    is_shared_problem,
    problem_responses,
    response_ref,
)
from app.core.pagination import Page
from app.core.problems import FieldError, Problem

PROBE_PATHS = frozenset({"/livez", "/readyz", "/metrics"})


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
    return any(
        isinstance(m, type) and (issubclass(m, Page) or getattr(m, "sends_link", False) is True)
        for m in _models(route.response_model)
    )


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
        self.if_match = self.header("If-Match") is not None
        self.idempotent = self.header("Idempotency-Key") is not None

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
        if self.if_match:
            statuses.add(412)
            if self.if_match_required:
                statuses.add(428)
        if self.idempotent:
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
                **{k: v for k, v in schema.items() if k not in ("anyOf", "title", "description")},
            }
    if op.authenticated:
        op.parameters.append({"$ref": "#/components/parameters/OnBehalfOf"})
    if not op.parameters:
        del op.operation["parameters"]


def _add_problems(op: _Operation) -> None:
    """The statuses the traits imply, and the route's own plain problem responses, as
    references to the shared problem responses; responses sorted by status."""
    responses: dict[str, Any] = op.operation["responses"]
    for code in op.problem_statuses():
        responses.setdefault(str(code), response_ref(code))
    for status, response in responses.items():
        if is_shared_problem(status, response):
            responses[status] = response_ref(int(status))
    op.operation["responses"] = dict(
        sorted(responses.items(), key=lambda item: (not item[0].startswith("2"), item[0]))
    )


def _add_headers(op: _Operation) -> None:
    """The headers of the route's own responses (the shared problem responses have theirs)."""
    for status, response in op.operation["responses"].items():
        if "$ref" in response:
            continue
        names = ["X-Request-ID"]
        code = int(status) if status.isdigit() else 0
        if op.authenticated and code != 401:
            names += ["RateLimit", "RateLimit-Policy"]
        if code in (429, 503):
            names.append("Retry-After")
        if 200 <= code < 300:
            # A 202 accepts work for later: its body is not the resource's representation.
            if _sends_etag(op.route) and code not in (202, 204):
                names.append("ETag")
            # A creation names its resource; so does a job accepted on a collection (an
            # import), but not an action accepted on one object (a webhook test).
            if (code == 201 and _sends_etag(op.route)) or (code == 202 and not op.path_parameters):
                names.append("Location")
            if _is_list(op.route):
                names.append("Link")
            if op.idempotent:
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


def build_openapi(
    application: FastAPI,
    webhooks: Callable[[], tuple[dict[str, Any], dict[str, Any]]] | None = None,
    *,
    base_url: str | None = None,
) -> dict[str, Any]:
    """The spec, generated once: FastAPI's, plus the protocol every route follows, and the
    `webhooks` section (with its schemas) that `webhooks` returns. `servers` names
    `base_url` (the public base URL setting) when there is one, else this server ("/")."""
    if application.openapi_schema:
        return application.openapi_schema
    schema = get_openapi(
        title=application.title,
        version=application.version,
        description=application.description,
        routes=application.routes,
        tags=TAGS,
        servers=[{"url": base_url, "description": "This deployment"}] if base_url else SERVERS,
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(_problem_schemas())
    if webhooks is not None:
        schema["webhooks"], webhook_schemas = webhooks()
        for name, definition in webhook_schemas.items():
            schemas.setdefault(name, definition)
    components["securitySchemes"] = SECURITY_SCHEMES
    components["parameters"] = PARAMETERS
    components["headers"] = HEADERS
    components["responses"] = problem_responses()
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
