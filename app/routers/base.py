"""How every router is made: the idempotency-aware route class and documented problem responses."""

from __future__ import annotations

from fastapi import APIRouter

from app.core.problems import problem_openapi_responses
from app.core.routing import TandemRoute

API_PREFIX = "/api/v1"
AUTHENTICATED_ERRORS = (401, 403, 422, 429, 503)


def api_router(prefix: str, tag: str, *, authenticated: bool = True) -> APIRouter:
    """A router for one resource family under /api/v1, documenting the errors every route can
    answer. The full prefix lives on the router so route templates (metrics, logs) are whole."""
    statuses = AUTHENTICATED_ERRORS if authenticated else (422, 429, 503)
    return APIRouter(
        prefix=API_PREFIX + prefix,
        tags=[tag],
        route_class=TandemRoute,
        responses=problem_openapi_responses(*statuses),
    )
