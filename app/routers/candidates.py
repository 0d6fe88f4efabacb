"""/api/v1/candidates: people, deduplicated by e-mail, synced by external id."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Path, Query, Request, Response
from pydantic import AwareDatetime

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, page_response, row_response
from app.deps import (
    IdempotencyDep,
    IfMatch,
    OptionalIfMatch,
    PageDep,
    SessionDep,
    require,
    runtime_of,
)
from app.models.candidates import Candidate
from app.platform.storage import storage_for
from app.routers.base import api_router
from app.schemas.candidates import (
    CandidateCreate,
    CandidateList,
    CandidateRead,
    CandidateUpdate,
    CandidateUpsert,
    CandidateView,
)
from app.schemas.common import SingleLine
from app.schemas.privacy import ErasureRead
from app.services.pipeline import candidate_queries, candidates
from app.services.privacy import erasure

router = api_router("/candidates", "Candidates")

ExternalPart = Annotated[SingleLine, Path(min_length=1, max_length=200)]


def candidate_response(candidate: Candidate, *, status_code: int = 200) -> Response:
    headers = {"Location": f"/api/v1/candidates/{candidate.id}"} if status_code == 201 else None
    return json_response(
        CandidateRead.model_validate(candidate),
        status_code=status_code,
        version=candidate.version,
        headers=headers,
    )


@router.post(
    "",
    status_code=201,
    response_model=CandidateRead,
    responses={**problem_openapi_responses(409), 200: {"model": CandidateRead}},
)
async def candidates_create(
    body: CandidateCreate,
    _principal: Annotated[Principal, require("candidates", "create")],
    session: SessionDep,
    _claim: IdempotencyDep,
    on_conflict: Annotated[
        Literal["error", "merge"],
        Query(description="`merge`: fill in the existing candidate with this e-mail (200)."),
    ] = "error",
) -> Response:
    """Create a candidate; an existing e-mail is a 409 naming the candidate, or a merge.

    The e-mail is stored lower-cased and is unique: by default a second candidate with it is
    a 409 whose problem names the existing one; with `on_conflict=merge` the existing
    candidate's empty fields are filled and lists joined (200). Personal data reads and
    writes are audited.
    """
    candidate, created = await candidates.create_candidate(
        session, body, merge=on_conflict == "merge"
    )
    return candidate_response(candidate, status_code=201 if created else 200)


@router.get("", response_model=CandidateList)
async def candidates_list(
    request: Request,
    principal: Annotated[Principal, require("candidates", "read")],
    page: PageDep,
    q: Annotated[
        SingleLine | None,
        Query(
            min_length=1,
            max_length=100,
            description="Part of a name (any case or accents) or e-mail; interviewers: name only.",
        ),
    ] = None,
    tag: Annotated[SingleLine | None, Query(max_length=50)] = None,
    source: Annotated[SingleLine | None, Query(max_length=100)] = None,
    updated_since: AwareDatetime | None = None,
) -> Response:
    """Search candidates (interviewers see a summary of the people they interview).

    `q` matches names (any case or accents) and e-mail addresses; `tag` and `source` narrow
    further. With `updated_since` the order is by change time, for syncing. Each item is a
    `CandidateRead` (`view: full`) or, for interviewers, a `CandidateSummary` (`view:
    summary`, no contact data or pay) of the people whose interviews they sit on; interviewers
    search by name only.
    """
    runtime = runtime_of(request)
    result = await candidate_queries.list_candidates(
        runtime.db,
        runtime.cursors,
        runtime.read_audit,
        page,
        principal,
        q=q,
        tag=tag,
        source=source,
        updated_since=updated_since,
    )
    return page_response(request, candidate_queries.view_schema(principal), result)


@router.get(
    "/{candidate_id}", response_model=CandidateView, responses=problem_openapi_responses(404)
)
async def candidates_get(
    request: Request,
    candidate_id: uuid.UUID,
    principal: Annotated[Principal, require("candidates", "read")],
) -> Response:
    """Get a candidate (the read is audited).

    Interviewers get `CandidateSummary` (`view: summary`), everyone else `CandidateRead`
    (`view: full`)."""
    runtime = runtime_of(request)
    values = await candidate_queries.get_candidate(
        runtime.db, runtime.read_audit, principal, candidate_id
    )
    return row_response(candidate_queries.view_schema(principal), values)


@router.patch(
    "/{candidate_id}",
    response_model=CandidateRead,
    responses=problem_openapi_responses(404, 409, 412, 428),
)
async def candidates_update(
    candidate_id: uuid.UUID,
    body: CandidateUpdate,
    if_match: IfMatch,
    _principal: Annotated[Principal, require("candidates", "update")],
    session: SessionDep,
) -> Response:
    """Change a candidate (If-Match)."""
    candidate = await candidates.update_candidate(session, candidate_id, if_match, body)
    return candidate_response(candidate)


@router.put(
    "/by-external-id/{source}/{external_id}",
    response_model=CandidateRead,
    responses={**problem_openapi_responses(409, 412), 201: {"model": CandidateRead}},
)
async def candidates_upsert_by_external_id(
    source: Annotated[SingleLine, Path(min_length=1, max_length=50)],
    external_id: ExternalPart,
    body: CandidateUpsert,
    if_match: OptionalIfMatch,
    _principal: Annotated[Principal, require("candidates", "update")],
    session: SessionDep,
) -> Response:
    """Create or replace the candidate an ATS id names (201 created, 200 updated).

    For ATS syncs: the `(source, external_id)` pair names the candidate, and sending the
    same body again changes nothing, so a retry after a timeout is safe. `If-Match` is
    optional (a stale one is a 412).
    """
    candidate, created = await candidates.upsert_candidate(
        session, source, external_id, if_match, body
    )
    return candidate_response(candidate, status_code=201 if created else 200)


@router.post(
    "/{candidate_id}/erasure",
    response_model=ErasureRead,
    responses=problem_openapi_responses(404, 409),
)
async def candidates_erase(
    request: Request,
    candidate_id: uuid.UUID,
    _principal: Annotated[Principal, require("candidates", "erase")],
    session: SessionDep,
    dry_run: Annotated[
        bool, Query(description="List what would change (tables, rows, files); change nothing.")
    ] = False,
) -> Response:
    """Erase a candidate's personal data everywhere Tandem keeps it (final).

    Admins, or API keys with `privacy:manage`. Anonymises the candidate record and deletes or
    anonymises every copy of their personal data (applications' notes, evaluation notes and
    summaries, decisions' rationale, briefing links, recordings and their files, transcripts,
    import files, stored responses, event payloads, webhook deliveries, notifications,
    comments), keeping the facts insights need (stage history, ratings, decisions). Runs
    synchronously in one transaction, is audited and emits `candidate.erased`. With
    `dry_run=true` it answers the same report and changes nothing. 409: already erased, or an
    import holding the candidate is still running.
    """
    runtime = runtime_of(request)
    result = await erasure.erase_candidate(
        session,
        storage_for(runtime.settings),
        runtime.settings.resolved_secret_key,
        candidate_id,
        dry_run=dry_run,
    )
    return json_response(ErasureRead.model_validate(result, from_attributes=True))
