"""/api/v1/market: benchmark datasets and occupations with their pay percentiles;
/api/v1/intakes/{intake_id}/market-check and occupation suggestions for an intake."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import File, Form, Path, Query, Request, Response, UploadFile

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, models_response
from app.deps import PageDep, RuntimeDep, SessionDep, require, runtime_of
from app.models.market import SocLevel
from app.platform.storage import storage_for
from app.routers.base import api_router
from app.schemas.common import SingleLine
from app.schemas.market import (
    MarketCheckRead,
    MarketDatasetCreate,
    MarketDatasetList,
    MarketDatasetRead,
    OccupationList,
    OccupationMatch,
    OccupationRead,
    OccupationSuggestionsRead,
)
from app.services.market import check, imports, queries

router = api_router("/market", "Market data")
CHUNK = 256 * 1024

DatasetQuery = Annotated[
    uuid.UUID | None,
    Query(description="A dataset's id; the default dataset when left out."),
]
SocCodePath = Annotated[
    str,
    Path(pattern=r"^\d{2}-\d{4}$", examples=["15-1252"], description="SOC code `NN-NNNN`."),
]


@router.get("/occupations", response_model=OccupationList, responses=problem_openapi_responses(404))
async def market_occupations_list(
    request: Request,
    _principal: Annotated[Principal, require("market", "read")],
    page: PageDep,
    q: Annotated[
        SingleLine | None,
        Query(
            min_length=1,
            max_length=200,
            description="A job title; results are ranked by fuzzy match, best first.",
        ),
    ] = None,
    level: Annotated[SocLevel | None, Query(description="Only this SOC level.")] = None,
    dataset_id: DatasetQuery = None,
) -> Response:
    """Search occupations by title (ranked, best first), or list them all by SOC code."""
    runtime = runtime_of(request)
    result = await queries.list_occupations(
        runtime.db,
        runtime.cursors,
        page,
        query=q,
        dataset_id=dataset_id,
        level=level.value if level else None,
    )
    return models_response(request, OccupationMatch, result)


@router.get(
    "/occupations/{soc_code}",
    response_model=OccupationRead,
    responses=problem_openapi_responses(404),
)
async def market_occupations_get(
    request: Request,
    soc_code: SocCodePath,
    _principal: Annotated[Principal, require("market", "read")],
    dataset_id: DatasetQuery = None,
) -> Response:
    """One occupation's employment and pay percentiles (top-coded figures as "at least")."""
    read = await queries.get_occupation(runtime_of(request).db, soc_code, dataset_id)
    return json_response(read)


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


@router.post(
    "/datasets",
    status_code=202,
    response_model=MarketDatasetRead,
    responses=problem_openapi_responses(413),
)
async def market_datasets_create(
    file: Annotated[
        UploadFile,
        File(
            description="CSV: soc_code, title, soc_level, "
            "employment, mean, p10, p25, median, p75, p90."
        ),
    ],
    data: Annotated[MarketDatasetCreate, Form()],
    principal: Annotated[Principal, require("market_datasets", "manage")],
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    """Upload your own benchmark table (CSV); the worker validates and loads it."""
    dataset = await imports.start_import(
        session, principal, storage_for(runtime.settings), _chunks(file), data
    )
    return json_response(
        MarketDatasetRead.model_validate(dataset, from_attributes=True),
        status_code=202,
        headers={"Location": f"/api/v1/market/datasets/{dataset.id}"},
    )


@router.get(
    "/datasets/{dataset_id}",
    response_model=MarketDatasetRead,
    responses=problem_openapi_responses(404),
)
async def market_datasets_get(
    dataset_id: uuid.UUID,
    _principal: Annotated[Principal, require("market", "read")],
    session: SessionDep,
) -> Response:
    """A dataset: its status, how many rows loaded, and the rows left out with why."""
    dataset = await imports.get_dataset(session, dataset_id)
    return json_response(
        MarketDatasetRead.model_validate(dataset, from_attributes=True), version=dataset.version
    )


@router.post(
    "/datasets/{dataset_id}/make-default",
    response_model=MarketDatasetRead,
    responses=problem_openapi_responses(404),
)
async def market_datasets_make_default(
    dataset_id: uuid.UUID,
    _principal: Annotated[Principal, require("market_datasets", "manage")],
    session: SessionDep,
) -> Response:
    """Use this dataset for occupation reads and market checks from now on."""
    dataset = await imports.make_default(session, dataset_id)
    return json_response(
        MarketDatasetRead.model_validate(dataset, from_attributes=True), version=dataset.version
    )


@router.get("/datasets", response_model=MarketDatasetList)
async def market_datasets_list(
    request: Request,
    _principal: Annotated[Principal, require("market", "read")],
    page: PageDep,
) -> Response:
    """The benchmark datasets, oldest first; one of them is the default."""
    runtime = runtime_of(request)
    result = await queries.list_datasets(runtime.db, runtime.cursors, page)
    return models_response(request, MarketDatasetRead, result)


intakes_router = api_router("/intakes", "Market data")


@intakes_router.get(
    "/{intake_id}/occupation-suggestions",
    response_model=OccupationSuggestionsRead,
    responses=problem_openapi_responses(404),
)
async def intakes_suggest_occupations(
    request: Request,
    intake_id: uuid.UUID,
    principal: Annotated[Principal, require("intakes", "market_check")],
    limit: Annotated[int, Query(ge=1, le=20, description="How many suggestions.")] = 5,
) -> Response:
    """The occupations that best match the intake's title, best first, with a confidence."""
    read = await check.suggest_occupations(runtime_of(request).db, principal, intake_id, limit)
    return json_response(read)


@intakes_router.get(
    "/{intake_id}/market-check",
    response_model=MarketCheckRead,
    responses=problem_openapi_responses(404),
)
async def intakes_get_market_check(
    request: Request,
    intake_id: uuid.UUID,
    principal: Annotated[Principal, require("intakes", "market_check")],
) -> Response:
    """Where the intake's pay range sits in the market, labour supply, and warnings."""
    read = await check.market_check(runtime_of(request).db, principal, intake_id)
    return json_response(read)
