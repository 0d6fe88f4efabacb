"""The OpenAPI document: problem schemas, security schemes and shared headers, added once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from app.core.problems import FieldError, Problem

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a URL, not a secret
TAGS = [
    {"name": "Authentication", "description": "Sign in, refresh, sign out."},
    {"name": "Intakes", "description": "The signed standard kickoff per opening."},
    {"name": "Interview plans", "description": "Competencies, plans, kits, readiness."},
    {"name": "Training", "description": "Interviewer training and calibration."},
    {"name": "Candidates", "description": "People in the pipelines; imports."},
    {"name": "Applications", "description": "Pipelines, HM reviews, briefings."},
    {"name": "Users", "description": "People, their roles and profiles."},
    {"name": "Organisation", "description": "The company's profile on candidate briefings."},
    {"name": "API clients", "description": "Integration keys (admins)."},
    {"name": "Audit", "description": "Who did what, when."},
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
ON_BEHALF_OF = {
    "name": "On-Behalf-Of",
    "in": "header",
    "required": False,
    "description": "API keys with the `on_behalf_of` scope: act as this user (a user id).",
    "schema": {"type": "string", "format": "uuid"},
}


def _authenticates(dependant: Dependant) -> bool:
    if getattr(dependant.call, "authenticates", False):
        return True
    return any(_authenticates(sub) for sub in dependant.dependencies)


def build_openapi(
    application: FastAPI,
    webhooks: Callable[[], tuple[dict[str, Any], dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The spec, generated once: FastAPI's plus what our dependency-free auth needs, and the
    `webhooks` section (with its schemas) that `webhooks` returns."""
    if application.openapi_schema:
        return application.openapi_schema
    schema = get_openapi(
        title=application.title,
        version=application.version,
        description=application.description,
        routes=application.routes,
        tags=TAGS,
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for model in (FieldError, Problem):
        schemas[model.__name__] = model.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
    schemas["Problem"].pop("$defs", None)
    if webhooks is not None:
        schema["webhooks"], webhook_schemas = webhooks()
        for name, definition in webhook_schemas.items():
            schemas.setdefault(name, definition)
    components["securitySchemes"] = SECURITY_SCHEMES
    components.setdefault("parameters", {})["OnBehalfOf"] = ON_BEHALF_OF
    for context in iter_route_contexts(application.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not _authenticates(route.dependant):
            continue
        for method in route.methods or ():
            operation = schema["paths"][route.path_format][method.lower()]
            operation["security"] = [{"UserToken": []}, {"ApiKey": []}]
            operation.setdefault("parameters", []).append(
                {"$ref": "#/components/parameters/OnBehalfOf"}
            )
    application.openapi_schema = schema
    return schema
