"""create_app(): the FastAPI application with its routers, middleware, error handlers, lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import HTMLResponse, Response
from starlette.types import Scope

import app as package
from app.core.config import Settings
from app.core.cors import cors_options
from app.core.logging import configure_logging
from app.core.middleware import RequestContextMiddleware
from app.core.openapi import build_openapi
from app.core.problems import install_problem_handlers
from app.core.security_headers import SecurityHeaders, style_hashes
from app.deps import IdempotentReplay, runtime_of
from app.platform.idempotency import unseal
from app.platform.rate_limits import RATE_LIMIT_STATE, BudgetState, rate_limit_headers
from app.platform.runtime import Runtime
from app.routers import (
    api_clients,
    applications,
    audit,
    auth,
    briefings,
    candidates,
    debriefs,
    evaluations,
    events,
    health,
    imports,
    intake_comments,
    intake_questions,
    intakes,
    interviewer_coaching,
    interviews,
    market,
    notifications,
    organisation,
    plans,
    profiles,
    public,
    recordings,
    training,
    transcripts,
    users,
    webhooks,
)
from app.routers.examples import with_examples
from app.services.events.openapi import webhooks_section
from app.worker import Worker

log = logging.getLogger(__name__)

DESCRIPTION = """
Tandem makes the partnership between recruiters and hiring managers explicit and measurable:
a signed standard intake per opening, a standard interview plan, candidates in a pipeline,
evaluations against an SLA, events and webhooks for the ATS, and insights.

**Conventions.** JSON with snake_case fields; UTC ISO 8601 timestamps; UUIDv7 ids. Request
bodies are `application/json` (sign-in takes a form, uploads `multipart/form-data`, a
transcript its file's own type); another media type is a 415. Errors are RFC 9457
`application/problem+json` with a `type`, field problems in `errors` and the `request_id`.
Lists use cursor pagination: `limit` (1-200, default 50) and `cursor`; the body is `{data,
next_cursor, has_more}` and `Link: rel="next"` points at the next page. Unknown query
parameters are ignored (a misspelt filter filters nothing, so check the names against this
document).

**Writes.** `PATCH`, and a `PUT` that replaces a profile, needs `If-Match` with the
resource's `ETag`: 428 without it, 412 when it is stale (each operation says whether its
`If-Match` is required; the external-id upserts take it optionally). `POST` accepts
`Idempotency-Key`: the same key and body replay the stored response with
`Idempotent-Replayed: true`; the same key with another body is a 422; a concurrent duplicate
is a 409 with `Retry-After`. A created resource with its own URL answers 201 with `Location`
and its `ETag`.

**Headers on every response.** `X-Request-ID` (send your own, 1-128 of `A-Z a-z 0-9 . _ :
-`, to correlate logs); authenticated ones also `RateLimit` and `RateLimit-Policy`. A 429
(over the budget) and a 503 (database unavailable) carry `Retry-After` in seconds.

**Authentication.** People sign in at `/api/v1/auth/token` (OAuth2 password flow) and send
`Authorization: Bearer <access token>`. Integrations send `Authorization: Bearer tnd_…` with
an API key, optionally acting for a user with `On-Behalf-Of: <user id>` (keys with the
`on_behalf_of` scope only). A present but empty or malformed `On-Behalf-Of` is a 422.
"""


def _operation_id(route: APIRoute) -> str:
    # Route functions are named `<resource>_<action>`, which is the public operationId.
    return route.name


def _rate_limit_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    state = scope.get("state")
    budget = state.get(RATE_LIMIT_STATE) if state else None
    if not isinstance(budget, BudgetState):
        return []
    return [(k.lower().encode(), v.encode()) for k, v in rate_limit_headers(budget).items()]


def _security_headers(settings: Settings) -> SecurityHeaders:
    templates = resources.files(package).joinpath("templates")
    html = [f.read_text() for f in templates.iterdir() if f.name.endswith(".html.j2")]
    return SecurityHeaders(
        production=settings.is_production,
        image_hosts=settings.image_hosts,
        styles=style_hashes(html),
    )


def _response_headers(settings: Settings) -> Callable[[Scope], list[tuple[bytes, bytes]]]:
    security = _security_headers(settings)

    def headers(scope: Scope) -> list[tuple[bytes, bytes]]:
        return [*_rate_limit_headers(scope), *security.for_path(scope["path"])]

    return headers


# Collect the youngest generation after this many net allocations instead of 700: a request
# allocates thousands of short-lived objects, and at the default threshold the collector ran
# so often (and walked the whole heap in older generations) that it halved throughput and
# put ~80 ms pauses in the p99 (docs/performance.md).
GC_THRESHOLDS = (50_000, 20, 100)


def tune_garbage_collector() -> None:
    """Freeze what startup allocated (never garbage) and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# Included in this order; FastAPI matches routes one by one in the order they were added.
API_ROUTERS = (
    intakes.router,
    intake_comments.router,
    intake_questions.router,
    plans.router,
    plans.competency_router,
    training.router,
    training.exercise_router,
    candidates.router,
    applications.router,
    briefings.router,
    interviews.router,
    recordings.router,
    transcripts.router,
    transcripts.evaluations_router,
    transcripts.intakes_router,
    interviewer_coaching.router,
    debriefs.router,
    imports.router,
    users.router,
    profiles.router,
    organisation.router,
    applications.me_router,
    evaluations.router,
    evaluations.me_router,
    users.me_router,
    auth.router,
    api_clients.router,
    audit.router,
    events.router,
    webhooks.router,
    notifications.router,
    notifications.preferences_router,
    market.router,
    market.intakes_router,
)


def create_app(settings: Settings | None = None, *, background: bool = True) -> FastAPI:
    """Build the application. `background=False` skips the in-process worker (tests)."""
    settings = settings or Settings()
    runtime = Runtime.build(settings)
    application = FastAPI(
        title="Tandem API",
        version=package.__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        generate_unique_id_function=_operation_id,
        lifespan=_lifespan(runtime, settings, background=background),
        swagger_ui_oauth2_redirect_url="/docs/oauth2-redirect",
    )
    application.state.runtime = runtime
    install_problem_handlers(application)
    application.add_exception_handler(IdempotentReplay, _replay)
    for router in API_ROUTERS:
        application.include_router(router)
    application.include_router(health.router)
    application.include_router(public.router)
    _install_docs(application)
    application.openapi = with_examples(  # type: ignore[method-assign]
        lambda: build_openapi(application, webhooks_section, base_url=settings.public_base_url)
    )
    _add_middleware(application, settings, runtime)
    return application


def _lifespan(
    runtime: Runtime, settings: Settings, *, background: bool
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    """Connect the database and run the process's background tasks while the app serves."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.db.connect()
        stop = asyncio.Event()
        tasks = [
            asyncio.create_task(runtime.budget.run(stop), name="rate-limit-sync"),
            asyncio.create_task(runtime.read_audit.run(stop), name="read-audit"),
        ]
        if background and settings.worker_in_process:
            tasks.append(asyncio.create_task(Worker(runtime).run(stop), name="worker"))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await runtime.db.dispose()

    return lifespan


async def _replay(_request: Request, exc: Exception) -> Response:
    """The stored response of an Idempotency-Key seen before, marked as a replay."""
    assert isinstance(exc, IdempotentReplay)  # noqa: S101
    stored = unseal(exc.stored, runtime_of(_request).secrets)
    headers = {**stored.headers, "Idempotent-Replayed": "true"}
    headers.pop("content-type", None)
    media_type = stored.headers.get("content-type")
    return Response(stored.body, status_code=stored.status, headers=headers, media_type=media_type)


def _add_middleware(application: FastAPI, settings: Settings, runtime: Runtime) -> None:
    """Request context (ids, limits, metrics, access log) inside CORS when origins are set."""
    application.add_middleware(
        RequestContextMiddleware,
        metrics=runtime.metrics,
        max_body_bytes=settings.max_body_bytes,
        trusted_proxy_count=settings.trusted_proxy_count,
        access_log_enabled=settings.access_log,
        extra_headers=_response_headers(settings),
        upload_limits={
            "/api/v1/imports": settings.max_upload_bytes,
            r"^/api/v1/interviews/[^/]+/recording$": settings.recording_max_bytes,
            r"^/api/v1/interviews/[^/]+/transcript$": settings.transcript_max_bytes,
        },
    )
    if settings.cors_origins:
        # Outermost, so that every answer (a 413 or a 500 from the middleware above too)
        # carries the CORS headers a browser needs to show it to the calling script.
        application.add_middleware(CORSMiddleware, **cors_options(settings.cors_origins))


def _install_docs(application: FastAPI) -> None:
    """Swagger UI and ReDoc served from packaged assets: the docs work with no internet."""
    assets = resources.files("fastapi_offline").joinpath("static")
    application.mount("/docs/assets", StaticFiles(directory=str(assets)), name="docs-assets")

    @application.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Tandem API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
            swagger_ui_parameters={"persistAuthorization": True, "displayOperationId": True},
        )

    @application.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @application.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title="Tandem API",
            redoc_js_url="/docs/assets/redoc.standalone.js",
            redoc_favicon_url="/docs/assets/favicon.png",
            with_google_fonts=False,
        )


def serve_app() -> FastAPI:
    """The uvicorn factory behind `tandem serve`: logging and the garbage collector set up in
    every server process."""
    settings = Settings()
    configure_logging(level=settings.log_level, json_format=settings.json_logs)
    application = create_app(settings)
    tune_garbage_collector()
    return application
