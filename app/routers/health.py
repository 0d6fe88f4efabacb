"""Probes and metrics: /livez, /readyz, /metrics; and the problem type catalogue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from app.core.metrics import CONTENT_TYPE_LATEST
from app.core.problems import problem_openapi_responses, problem_type_catalogue
from app.core.responses import json_response
from app.deps import RuntimeDep
from app.platform.health import check_readiness, ensure_metrics_access
from app.platform.routing import TandemRoute

router = APIRouter(tags=["Operations"], route_class=TandemRoute)


class Liveness(BaseModel):
    status: str


class WorkersRead(BaseModel):
    """Background workers seen through their heartbeats."""

    alive: int = Field(description="Workers whose last heartbeat is recent.")
    last_heartbeat_at: datetime | None = Field(description="The latest heartbeat of any worker.")


class ReadinessRead(BaseModel):
    status: str
    database: str
    migrations: str
    workers: WorkersRead | None = Field(
        default=None,
        description="Reported, not required for readiness (null while the database is not ready).",
    )


@router.get("/livez", response_model=Liveness)
async def health_live() -> Response:
    """Liveness: the process answers (no database call)."""
    return json_response(Liveness(status="ok"))


@router.get(
    "/readyz",
    response_model=ReadinessRead,
    responses={503: {"model": ReadinessRead, "description": "Not ready"}},
)
async def health_ready(runtime: RuntimeDep) -> Response:
    """Readiness: the database is reachable and migrated to this version's head."""
    result = await check_readiness(runtime.db, runtime.settings.worker_heartbeat_seconds)
    workers = result.workers
    body = ReadinessRead(
        status="ready" if result.ready else "not_ready",
        database=result.database,
        migrations=result.migrations,
        workers=None
        if workers is None
        else WorkersRead(alive=workers.alive, last_heartbeat_at=workers.last_heartbeat_at),
    )
    headers = {} if result.ready else {"Retry-After": "5"}
    return json_response(body, status_code=200 if result.ready else 503, headers=headers)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        **problem_openapi_responses(401, 404),
    },
)
async def metrics_get(request: Request, runtime: RuntimeDep) -> Response:
    """Prometheus metrics: request counts and latency by route template and status.

    With `TANDEM_METRICS_TOKEN` set, only for `Authorization: Bearer <that token>`; without
    it, open in development and absent (404) in production."""
    ensure_metrics_access(runtime.settings, request.headers.get("authorization"))
    return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)


@router.get("/problems", include_in_schema=False)
async def problems_list() -> list[dict[str, Any]]:
    """Every problem type this API answers with."""
    return problem_type_catalogue()


@router.get("/problems/{slug}", include_in_schema=False)
async def problems_get(slug: str) -> Any:
    """One problem type (the `type` member of problem responses points here)."""
    for entry in problem_type_catalogue():
        if entry["type"].endswith("/" + slug):
            return entry
    return Response(status_code=404)
