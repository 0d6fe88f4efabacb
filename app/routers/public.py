"""/p/{token}: the candidate's public briefing page (no sign-in; the link is the key)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.core.problems import problem_openapi_responses
from app.deps import RuntimeDep, WriteSessionDep
from app.platform.routing import TandemRoute
from app.routers.media import text_response
from app.services.pipeline import briefings

router = APIRouter(route_class=TandemRoute, tags=["Public"])


@router.get(
    "/p/{token}",
    response_class=Response,
    responses={
        200: text_response("The briefing page.", "text/html"),
        **problem_openapi_responses(404, 422),
    },
)
async def public_briefing(token: str, session: WriteSessionDep, runtime: RuntimeDep) -> Response:
    """The candidate's briefing page behind a shared link (views are counted)."""
    page = await briefings.open_public(session, runtime.settings.resolved_secret_key, token[:200])
    return Response(
        page,
        media_type="text/html; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Robots-Tag": "noindex",
        },
    )
