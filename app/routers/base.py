"""How every router is made: the idempotency-aware route class and documented problem responses."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import Match
from starlette.types import Scope

from app.core.problems import problem_openapi_responses
from app.platform.routing import TandemRoute

API_PREFIX = "/api/v1"
AUTHENTICATED_ERRORS = (401, 403, 422, 429, 503)


class PrefixRouter(APIRouter):
    """An APIRouter that skips itself at once when the path is outside its prefix.

    FastAPI tries routes one after another; without this gate every request would be matched
    against every route of every router registered before its own.
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if self.prefix and not (
            path == self.prefix
            or path.startswith(self.prefix + "/")
            or path.startswith(self.prefix + "?")
        ):
            return Match.NONE, {}
        return super().matches(scope)


def api_router(prefix: str, tag: str, *, authenticated: bool = True) -> APIRouter:
    """A router for one resource family under /api/v1, documenting the errors every route can
    answer. The full prefix lives on the router so route templates (metrics, logs) are whole."""
    statuses = AUTHENTICATED_ERRORS if authenticated else (422, 429, 503)
    return PrefixRouter(
        prefix=API_PREFIX + prefix,
        tags=[tag],
        route_class=TandemRoute,
        responses=problem_openapi_responses(*statuses),
    )
