"""RFC 9457 problem details: the one place that turns every error into problem+json."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.core.context import current_request_id
from app.core.errors import (
    PROBLEM_TYPES,
    DomainError,
    FieldProblem,
    MalformedBody,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "/problems/"


class FieldError(BaseModel):
    """One invalid input: where it is (`body.email`, `query.limit`) and what is wrong."""

    location: str = Field(examples=["body.email"])
    message: str = Field(examples=["value is not a valid email address"])
    code: str = Field(examples=["value_error"])


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["/problems/not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["No intake with this id."])
    instance: str = Field(examples=["/api/v1/intakes/0190c8a4-7d7e-7000-8000-000000000000"])
    request_id: str | None = Field(default=None, examples=["0f5c2b1e9d0a4c1b"])
    errors: list[FieldError] | None = None


def problem_response(
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    instance: str,
    errors: Sequence[FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    """Render one problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "request_id": current_request_id(),
    }
    if errors:
        body["errors"] = [
            {"location": e.location, "message": e.message, "code": e.code} for e in errors
        ]
    if extensions:
        body.update({k: v for k, v in extensions.items() if k not in body})
    return Response(
        orjson.dumps(body, default=str),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def domain_error_response(exc: DomainError, instance: str) -> Response:
    """The problem response for a typed domain error."""
    return problem_response(
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        instance=instance,
        errors=exc.errors,
        headers=exc.headers,
        extensions=exc.extensions,
    )


def _location(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _validation_problem(exc: RequestValidationError) -> DomainError:
    raw: Sequence[Mapping[str, Any]] = exc.errors()
    if any(e.get("type") == "json_invalid" for e in raw):
        return MalformedBody("The request body is not valid JSON.")
    problems = [
        FieldProblem(
            location=_location(tuple(e.get("loc", ()))),
            message=str(e.get("msg", "invalid value")),
            code=str(e.get("type", "invalid")),
        )
        for e in raw
    ]
    return ValidationFailed("The request has invalid fields; see `errors`.", errors=problems)


_STATUS_ERRORS: dict[int, type[DomainError]] = {
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
}


def _allowed_methods(request: Request) -> list[str]:
    methods: set[str] = set()
    for context in iter_route_contexts(request.app.routes):
        route = context.original_route
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path):
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install_problem_handlers(app: FastAPI) -> None:
    """Map domain errors, validation errors and HTTP errors to problem+json."""

    async def on_domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)  # noqa: S101
        return domain_error_response(exc, request.url.path)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)  # noqa: S101
        return domain_error_response(_validation_problem(exc), request.url.path)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)  # noqa: S101
        error_cls = _STATUS_ERRORS.get(exc.status_code)
        if error_cls is not None:
            detail = {
                404: f"No route matches {request.url.path}.",
                405: f"{request.method} is not allowed on {request.url.path}.",
            }.get(exc.status_code, error_cls.title)
            headers = dict(exc.headers or {})
            if exc.status_code == 405:
                # The router names only the route it matched; Allow must list them all.
                headers["Allow"] = ", ".join(_allowed_methods(request))
            error = error_cls(detail, headers=headers)
        else:
            return problem_response(
                status=exc.status_code,
                slug="http-error",
                title=str(exc.detail),
                detail=str(exc.detail),
                instance=request.url.path,
                headers=exc.headers,
            )
        return domain_error_response(error, request.url.path)

    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)


def problem_openapi_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting problem+json errors."""
    descriptions = {
        400: "Malformed request",
        401: "Missing or invalid credentials",
        403: "The principal's role or scopes do not allow this",
        404: "Not found (or not visible to the caller)",
        409: "Conflict with the current state",
        412: "The If-Match ETag is stale",
        413: "Request body too large",
        415: "Unsupported media type",
        416: "The requested byte range is outside the file",
        422: "Invalid input; see `errors`",
        428: "If-Match header required",
        429: "Rate limited; see `Retry-After`",
        503: "Temporarily unavailable; see `Retry-After`",
    }
    return {
        status: {
            "description": descriptions.get(status, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


def problem_type_catalogue() -> list[dict[str, Any]]:
    """Every problem type the API can answer with, for `/problems`."""
    return [
        {"type": PROBLEM_TYPE_PREFIX + slug, "title": cls.title, "status": cls.status}
        for slug, cls in sorted(PROBLEM_TYPES.items())
    ] + [
        {
            "type": PROBLEM_TYPE_PREFIX + "http-error",
            "title": "Other HTTP error",
            "status": 400,
        }
    ]
