"""FastAPI dependencies, as Annotated aliases: the session, the caller, permissions, mechanics."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import after_transaction
from app.core.etag import parse_if_match
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from app.core.principal import Principal
from app.platform import idempotency
from app.platform.rate_limits import RATE_LIMIT_STATE
from app.platform.runtime import Runtime
from app.services.identity.access import PERMISSIONS, ensure_allowed
from app.services.identity.auth import authenticate

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def runtime_of(request: Request) -> Runtime:
    """The application's runtime (settings, database, caches)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def public_base_url(request: Request) -> str:
    """The base of absolute URLs: `TANDEM_PUBLIC_BASE_URL` (required in production), else in
    development the address the request came to."""
    configured = runtime_of(request).settings.public_base_url
    return configured or str(request.base_url).rstrip("/")


async def get_runtime(request: Request) -> Runtime:
    return runtime_of(request)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(request: Request, runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed after the handler returns and before the
    response is sent (so a failed commit is an error response), rolled back on any error."""
    async with runtime.db.unit_of_work(write=request.method not in SAFE_METHODS) as session:
        request.state.session = session
        yield session


# scope="function": commit before the response goes out, so a failed commit is an error response.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_write_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """A write transaction for a GET that records something (a public page counting views):
    on SQLite it takes the write lock up front, as upgrading a read transaction midway fails
    at once with "database is locked" whenever another writer is busy."""
    async with runtime.db.unit_of_work(write=True) as session:
        yield session


WriteSessionDep = Annotated[AsyncSession, Depends(get_write_session, scope="function")]

_PRINCIPAL_STATE = "tandem.principal"


async def get_principal(request: Request) -> Principal:
    """The authenticated caller; also spends one unit of its request budget.

    It reads its headers itself (no sub-dependencies: this runs on every request, and each
    FastAPI dependency costs time); the OpenAPI security schemes and the On-Behalf-Of
    header are documented by `app.core.openapi` for every route that depends on this.
    """
    principal: Principal | None = request.scope.get("state", {}).get(_PRINCIPAL_STATE)
    if principal is not None:
        return principal
    runtime = runtime_of(request)
    headers = request.headers
    principal = await authenticate(
        runtime, headers.get("authorization"), headers.get("on-behalf-of")
    )
    state = request.scope.setdefault("state", {})
    state[RATE_LIMIT_STATE] = runtime.budget.spend(principal.budget_key)
    state[_PRINCIPAL_STATE] = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(resource: str, action: str) -> Any:
    """`Annotated[Principal, require("users", "list")]`: the caller, if their role or scopes
    allow the action (403 otherwise)."""
    if (resource, action) not in PERMISSIONS:
        raise KeyError(f"no permission defined for {resource}.{action}")

    async def check(request: Request) -> Principal:
        principal = await get_principal(request)
        ensure_allowed(principal, resource, action)
        return principal

    check.permission = (resource, action)  # type: ignore[attr-defined]
    check.authenticates = True  # type: ignore[attr-defined]
    return Depends(check)


async def get_if_match(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The ETag from your last read. Required; 412 if it is stale.",
        ),
    ] = None,
) -> list[str] | None:
    return parse_if_match(if_match)


async def get_optional_if_match(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="Optional: the ETag from your last read; 412 if it is stale.",
        ),
    ] = None,
) -> list[str] | None:
    return parse_if_match(if_match)


# The service answers 428 without it: the OpenAPI document declares it required.
get_if_match.if_match_required = True  # type: ignore[attr-defined]
IfMatch = Annotated[list[str] | None, Depends(get_if_match)]
# For create-or-replace by a natural key (an ATS id), where a blind write is allowed.
OptionalIfMatch = Annotated[list[str] | None, Depends(get_optional_if_match)]


async def get_page_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (max {MAX_LIMIT}).")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=2000, description="`next_cursor` from the previous page."),
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor or None)


PageDep = Annotated[PageRequest, Depends(get_page_request)]


async def idempotency_claim(
    request: Request,
    runtime: RuntimeDep,
    principal: CurrentPrincipal,
    _session: SessionDep,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description=(
                "Retry-safe POST: the same key and body replay the first response for 24 h; "
                "the same key with another body is a 422; a concurrent duplicate is a 409."
            ),
        ),
    ] = None,
) -> idempotency.Claim | None:
    """Claim the Idempotency-Key, or replay the stored response of the request that used it.

    The route stores the response in the request's transaction; the session dependency
    releases the claim if that transaction does not commit."""
    if key is None:
        return None
    body = await request.body()
    outcome = await idempotency.claim(
        runtime.db,
        principal=principal.key,
        key=key,
        request_hash=idempotency.fingerprint(
            request.method, request.url.path, request.url.query, body
        ),
        ttl=runtime.idempotency_ttl,
    )
    if isinstance(outcome, idempotency.StoredResponse):
        raise IdempotentReplay(outcome)
    request.state.idempotency_claim = outcome

    async def release_unless_stored(committed: bool) -> None:
        # After our transaction ended: on SQLite it held the write lock.
        if not (committed and outcome.completed):
            await idempotency.release(runtime.db, outcome)

    after_transaction(_session, release_unless_stored)
    return outcome


class IdempotentReplay(Exception):
    """Raised to answer a repeated request with the stored response."""

    def __init__(self, stored: idempotency.StoredResponse) -> None:
        self.stored = stored


IdempotencyDep = Annotated[idempotency.Claim | None, Depends(idempotency_claim)]


async def sealed_idempotency_claim(claim: IdempotencyDep) -> idempotency.Claim | None:
    """An Idempotency-Key claim whose stored response is encrypted (it shows a secret once)."""
    if claim is not None:
        claim.sealed = True
    return claim


SealedIdempotencyDep = Annotated[idempotency.Claim | None, Depends(sealed_idempotency_claim)]

get_principal.authenticates = True  # type: ignore[attr-defined]
# Routes on these can answer 503 while the database is away (documented by app.core.openapi).
get_session.uses_database = True  # type: ignore[attr-defined]
get_write_session.uses_database = True  # type: ignore[attr-defined]
