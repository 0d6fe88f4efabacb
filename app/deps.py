"""FastAPI dependencies, as Annotated aliases: the session, the caller, permissions, mechanics."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPBearer, OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import after_transaction
from app.core.etag import parse_if_match
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from app.core.principal import Principal
from app.core.runtime import Runtime
from app.services import idempotency
from app.services.access import PERMISSIONS, ensure_allowed
from app.services.auth import authenticate
from app.services.rate_limits import RATE_LIMIT_STATE

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a URL


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(request: Request, runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed after the handler returns and before the
    response is sent (so a failed commit is an error response), rolled back on any error."""
    async with runtime.db.unit_of_work(write=request.method not in SAFE_METHODS) as session:
        request.state.session = session
        yield session


# scope="function": commit before the response goes out, so a failed commit is an error response.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

_people = OAuth2PasswordBearer(
    tokenUrl=TOKEN_URL,
    auto_error=False,
    scheme_name="UserToken",
    description="Sign in with e-mail and password; send the access token as a Bearer token.",
)
_integrations = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    bearerFormat="tnd_…",
    description="An integration's API key, sent as `Authorization: Bearer tnd_…`.",
)


async def get_principal(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    _user_token: Annotated[str | None, Depends(_people)],
    _api_key: Annotated[object, Depends(_integrations)],
    on_behalf_of: Annotated[
        str | None,
        Header(
            alias="On-Behalf-Of",
            description="API keys with the `on_behalf_of` scope: act as this user id.",
        ),
    ] = None,
) -> Principal:
    """The authenticated caller; also spends one unit of its request budget."""
    principal = await authenticate(
        runtime, session, request.headers.get("authorization"), on_behalf_of
    )
    request.scope.setdefault("state", {})[RATE_LIMIT_STATE] = runtime.budget.spend(principal.key)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(resource: str, action: str) -> Any:
    """A dependency that authenticates and checks the role/scope permission for an action."""
    if (resource, action) not in PERMISSIONS:
        raise KeyError(f"no permission defined for {resource}.{action}")

    async def check(principal: CurrentPrincipal) -> Principal:
        ensure_allowed(principal, resource, action)
        return principal

    check.permission = (resource, action)  # type: ignore[attr-defined]
    return Depends(check)


def allowed(resource: str, action: str) -> Any:
    """`Annotated[Principal, allowed("users", "list")]`: the caller, if permitted."""
    return Annotated[Principal, require(resource, action)]


def get_if_match(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The ETag from your last read. Required; 412 if it is stale.",
        ),
    ] = None,
) -> list[str] | None:
    return parse_if_match(if_match)


IfMatch = Annotated[list[str] | None, Depends(get_if_match)]


def get_page_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (max {MAX_LIMIT}).")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=2000, description="`next_cursor` from the previous page."),
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor)


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
