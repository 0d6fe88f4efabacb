"""Authentication: who is calling? Bearer JWTs, API keys, external IdP tokens, On-Behalf-Of."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.context import Actor, actor_var
from app.core.db import CompiledQuery, after_transaction, run_write
from app.core.errors import Forbidden, ServiceUnavailable, Unauthorized
from app.core.principal import Principal, parse_on_behalf_of
from app.core.roles import Role
from app.core.scopes import SCOPE_ON_BEHALF_OF
from app.core.security import api_key_prefix, constant_time_equals, sha256_hex
from app.core.tokens import KeySetUnavailable, TokenError
from app.models.base import table_of
from app.models.identity import ApiClient, AuthSession, User
from app.platform.runtime import Runtime

_api_client = table_of(ApiClient).c
_auth_session = table_of(AuthSession).c
_user = table_of(User).c

log = logging.getLogger(__name__)

ACCESS_USE = "access"
REFRESH_USE = "refresh"
_LAST_USED_RESOLUTION = timedelta(minutes=1)

_PRINCIPAL_BY_SESSION = CompiledQuery(
    select(_user.id, _user.role, _user.email, _user.full_name)
    .join(AuthSession, _auth_session.user_id == _user.id)
    .where(
        _user.id == bindparam("user_id"),
        _auth_session.id == bindparam("session_id"),
        _user.is_active == true(),
        _auth_session.revoked_at.is_(None),
    )
)
_ACTIVE_USER_BY_ID = CompiledQuery(
    select(_user.id, _user.role, _user.email, _user.full_name).where(
        _user.id == bindparam("user_id"), _user.is_active == true()
    )
)
_ACTIVE_USER_BY_EMAIL = CompiledQuery(
    select(_user.id, _user.role, _user.email, _user.full_name).where(
        _user.email == bindparam("email"), _user.is_active == true()
    )
)
_API_CLIENT_BY_PREFIX = CompiledQuery(
    select(
        _api_client.id,
        _api_client.key_hash,
        _api_client.scopes,
        _api_client.revoked_at,
        _api_client.last_used_at,
    ).where(_api_client.key_prefix == bindparam("prefix"))
)


def _invalid(reason: str) -> Unauthorized:
    return Unauthorized(
        f"The credentials are not valid: {reason}.",
        headers={"WWW-Authenticate": 'Bearer realm="tandem", error="invalid_token"'},
    )


def _user_principal(row: Any, **extra: Any) -> Principal:
    return Principal(
        user_id=row["id"],
        role=Role(row["role"]),
        email=row["email"],
        full_name=row["full_name"],
        **extra,
    )


async def authenticate(
    runtime: Runtime, authorization: str | None, on_behalf_of: str | None
) -> Principal:
    """Resolve the `Authorization` (and `On-Behalf-Of`) headers to a principal, or raise 401/403.

    Lookups read committed data through the lean pool, never the request's transaction.
    """
    if not authorization:
        raise Unauthorized("Send `Authorization: Bearer <access token or API key>`.")
    scheme, _, credential = authorization.partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise Unauthorized("Use the Bearer scheme: `Authorization: Bearer <credential>`.")

    # Who calls first (401), then whether the request is well formed (a present but empty or
    # malformed On-Behalf-Of is a 422 for every caller), then what they may do (403).
    if credential.startswith("tnd_"):
        principal = await _api_key_principal(runtime, credential)
        if on_behalf_of is not None:
            principal = await _act_for_user(runtime, principal, parse_on_behalf_of(on_behalf_of))
    else:
        if runtime.oidc is not None and runtime.oidc.accepts(credential):
            principal = await _external_principal(runtime, credential)
        else:
            principal = await _token_principal(runtime, credential)
        if on_behalf_of is not None:
            parse_on_behalf_of(on_behalf_of)
            raise Forbidden("On-Behalf-Of is only for API keys with the on_behalf_of scope.")
    actor_var.set(Actor(user_id=principal.user_id, api_client_id=principal.api_client_id))
    return principal


async def _token_principal(runtime: Runtime, token: str) -> Principal:
    # A client reuses one access token for many requests: remember the verified result for
    # a moment (never past the token's expiry) instead of re-verifying and re-reading.
    cached = runtime.principals.get(("token", token))
    if cached is not None and cached.expires_at > time.time():
        return cached
    try:
        claims = runtime.tokens.verify(token, token_use=ACCESS_USE)
        user_id = uuid.UUID(str(claims["sub"]))
        session_id = uuid.UUID(str(claims.get("sid", "")))
    except TokenError as exc:
        raise _invalid(str(exc)) from None
    except ValueError:
        raise _invalid("token has malformed claims") from None
    row = await runtime.db.fetch_one(
        _PRINCIPAL_BY_SESSION, {"user_id": user_id, "session_id": session_id}
    )
    if row is None:
        raise _invalid("the session has ended or the user is inactive")
    principal = _user_principal(row, session_id=session_id, expires_at=float(claims["exp"]))
    runtime.principals.put(("token", token), principal)
    return principal


async def _external_principal(runtime: Runtime, token: str) -> Principal:
    assert runtime.oidc is not None  # noqa: S101
    try:
        email = await runtime.oidc.verify(token)
    except TokenError as exc:
        raise _invalid(str(exc)) from None
    except KeySetUnavailable:
        log.warning("the identity provider's keys cannot be loaded", exc_info=True)
        raise ServiceUnavailable(
            "The identity provider's signing keys cannot be loaded; retry shortly.",
            retry_after=10,
        ) from None
    row = await runtime.db.fetch_one(_ACTIVE_USER_BY_EMAIL, {"email": email.strip().lower()})
    if row is None:
        raise _invalid("no active Tandem user has this e-mail address")
    return _user_principal(row)


async def _api_key_principal(runtime: Runtime, key: str) -> Principal:
    key_hash = sha256_hex(key)
    cache_key = ("api_key", key_hash)
    principal = runtime.principals.get(cache_key)
    if principal is not None:
        return principal
    prefix = api_key_prefix(key)
    row = await runtime.db.fetch_one(_API_CLIENT_BY_PREFIX, {"prefix": prefix}) if prefix else None
    # Compare even when nothing was found, so a miss costs what a hit costs.
    stored_hash = row["key_hash"] if row is not None else sha256_hex("")
    if not constant_time_equals(stored_hash, key_hash) or row is None:
        raise _invalid("unknown API key")
    if row["revoked_at"] is not None:
        raise _invalid("the API key has been revoked")
    principal = Principal(
        user_id=None, role=None, api_client_id=row["id"], scopes=frozenset(row["scopes"] or ())
    )
    runtime.principals.put(cache_key, principal)
    last_used = row["last_used_at"]
    now = utcnow()
    if last_used is None or now - last_used > _LAST_USED_RESOLUTION:
        # At most one write a minute per key, in its own transaction (this request holds none
        # yet: authentication runs before the handler touches its session).
        await run_write(
            runtime.db,
            update(ApiClient).where(_api_client.id == row["id"]).values(last_used_at=now),
        )
    return principal


async def _act_for_user(runtime: Runtime, client: Principal, user_id: uuid.UUID) -> Principal:
    if SCOPE_ON_BEHALF_OF not in (client.scopes or ()):
        raise Forbidden("This API key lacks the on_behalf_of scope needed for On-Behalf-Of.")
    cache_key = ("obo", user_id)
    user = runtime.principals.get(cache_key)
    if user is None:
        row = await runtime.db.fetch_one(_ACTIVE_USER_BY_ID, {"user_id": user_id})
        if row is None:
            raise Forbidden("On-Behalf-Of must be the id of an active user.")
        user = _user_principal(row)
        runtime.principals.put(cache_key, user)
    return Principal(
        user_id=user.user_id,
        role=user.role,
        email=user.email,
        full_name=user.full_name,
        api_client_id=client.api_client_id,
        scopes=client.scopes,
    )


def forget_user(runtime: Runtime, user_id: uuid.UUID, session: AsyncSession | None = None) -> None:
    """Drop cached principals of a user (after deactivation, logout or a role change): now,
    and again once `session`'s transaction has ended, so a request that read the old state
    in between cannot keep it cached."""
    _forget(runtime, lambda p: p.user_id == user_id, session)


def forget_api_client(
    runtime: Runtime, api_client_id: uuid.UUID, session: AsyncSession | None = None
) -> None:
    """Drop cached principals of an API client (after revocation or a scope change)."""
    _forget(runtime, lambda p: p.api_client_id == api_client_id, session)


def _forget(
    runtime: Runtime, matches: Callable[[Principal], bool], session: AsyncSession | None
) -> None:
    runtime.principals.discard_where(lambda p: p is not None and matches(p))
    if session is not None:

        async def again(_committed: bool) -> None:
            runtime.principals.discard_where(lambda p: p is not None and matches(p))

        after_transaction(session, again)
