"""Sign-in sessions: password login, refresh-token rotation with reuse detection, logout."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import anyio.to_thread
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.context import Actor, actor_var
from app.core.db import CompiledQuery, after_transaction
from app.core.errors import Unauthorized
from app.core.principal import Principal
from app.core.security import hash_password, password_needs_rehash, sha256_hex, verify_password
from app.core.tokens import TokenError
from app.models.base import table_of
from app.models.identity import AuthSession, RefreshToken, User
from app.platform.audit import record_audit
from app.platform.runtime import Runtime
from app.schemas.auth import TokenPair
from app.services.identity.auth import ACCESS_USE, REFRESH_USE, forget_user

_auth_session = table_of(AuthSession).c
_refresh_token = table_of(RefreshToken).c
_user = table_of(User).c

log = logging.getLogger(__name__)

_BAD_LOGIN = "The e-mail address or password is not correct, or the account is inactive."


def _refresh_invalid() -> Unauthorized:
    return Unauthorized(
        "The refresh token is not valid; sign in again.",
        headers={"WWW-Authenticate": 'Bearer realm="tandem", error="invalid_grant"'},
    )


async def _issue_pair(
    runtime: Runtime, session: AsyncSession, user: User, auth: AuthSession
) -> TokenPair:
    settings = runtime.settings
    access_ttl = settings.access_token_minutes * 60
    refresh_ttl = settings.refresh_token_days * 86400
    access, _ = runtime.tokens.issue(
        subject=str(user.id),
        token_use=ACCESS_USE,
        ttl_seconds=access_ttl,
        claims={"sid": str(auth.id)},
    )
    refresh, _ = runtime.tokens.issue(
        subject=str(user.id),
        token_use=REFRESH_USE,
        ttl_seconds=refresh_ttl,
        claims={"sid": str(auth.id)},
    )
    session.add(
        RefreshToken(
            session_id=auth.id,
            token_hash=sha256_hex(refresh),
            expires_at=utcnow() + timedelta(seconds=refresh_ttl),
        )
    )
    await session.flush()
    return TokenPair(
        access_token=access,
        expires_in=access_ttl,
        refresh_token=refresh,
        refresh_expires_in=refresh_ttl,
    )


_SIGN_IN_USER = CompiledQuery(
    select(_user.id, _user.password_hash, _user.is_active).where(_user.email == bindparam("email"))
)


async def login(
    session: AsyncSession,
    runtime: Runtime,
    *,
    email: str,
    password: str,
    client_address: str,
    user_agent: str | None,
) -> TokenPair:
    """Exchange e-mail and password for tokens. Every failure looks and takes the same."""
    email = email.strip().lower()
    if any(ord(ch) < 32 for ch in email):
        email = ""  # no account has such an address; it fails like any unknown e-mail
    limiter = runtime.sign_in_limiter
    async with limiter.turn(email) as turn:
        await turn.admit(client_address)
        row = await runtime.db.fetch_one(_SIGN_IN_USER, {"email": email})
        # Verify even without a user (against a dummy hash) so timing does not reveal accounts.
        verified = await anyio.to_thread.run_sync(
            verify_password, row["password_hash"] if row else None, password
        )
        if row is None or not verified or not row["is_active"]:
            await turn.failed()
            log.info("sign-in failed", extra={"client_address": client_address})
            raise Unauthorized(_BAD_LOGIN)
    user = await session.get(User, row["id"])
    assert user is not None  # noqa: S101
    await limiter.succeeded(session, email, client_address)
    if user.password_hash and password_needs_rehash(user.password_hash):
        user.password_hash = await anyio.to_thread.run_sync(hash_password, password)
    auth = AuthSession(
        user_id=user.id,
        client_address=client_address,
        user_agent=(user_agent or "")[:300] or None,
    )
    session.add(auth)
    await session.flush()
    actor_var.set(Actor(user_id=user.id))
    record_audit(session, "auth.signed_in", object_type="user", object_id=user.id)
    return await _issue_pair(runtime, session, user, auth)


async def refresh(session: AsyncSession, runtime: Runtime, refresh_token: str) -> TokenPair:
    """Rotate a refresh token. Presenting an already-rotated one ends the whole session."""
    try:
        claims = runtime.tokens.verify(refresh_token, token_use=REFRESH_USE)
        session_id = uuid.UUID(str(claims.get("sid")))
    except (TokenError, ValueError):
        raise _refresh_invalid() from None
    stored = (
        await session.execute(
            select(RefreshToken)
            .where(_refresh_token.token_hash == sha256_hex(refresh_token))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if stored is None or stored.session_id != session_id:
        raise _refresh_invalid()
    auth = await session.get(AuthSession, stored.session_id, with_for_update=True)
    user = await session.get(User, auth.user_id) if auth else None
    if auth is None or user is None or auth.revoked_at is not None or not user.is_active:
        raise _refresh_invalid()
    if stored.used_at is not None:
        # A rotated token came back: it was stolen or replayed. End the whole family, in its
        # own transaction after this one: the request fails, yet the revocation must stand.
        family, owner = auth.id, user.id

        async def revoke(_committed: bool) -> None:
            await _revoke_family(runtime, family, owner)

        after_transaction(session, revoke)
        log.warning(
            "refresh token reuse detected; session revoked", extra={"session_id": str(auth.id)}
        )
        raise _refresh_invalid()
    now = utcnow()
    stored.used_at = now
    auth.last_refreshed_at = now
    return await _issue_pair(runtime, session, user, auth)


async def _revoke_family(runtime: Runtime, session_id: uuid.UUID, user_id: uuid.UUID) -> None:
    async with runtime.db.unit_of_work(write=True) as own:
        await own.execute(
            update(AuthSession)
            .where(_auth_session.id == session_id)
            .values(revoked_at=utcnow(), revoked_reason="refresh_token_reuse")
        )
        actor_var.set(Actor(user_id=user_id))
        record_audit(
            own, "auth.refresh_reuse_detected", object_type="auth_session", object_id=session_id
        )
    forget_user(runtime, user_id)


async def logout(session: AsyncSession, runtime: Runtime, principal: Principal) -> None:
    """End the caller's session: its refresh token and access tokens stop working."""
    if principal.session_id is None or principal.user_id is None:
        return
    await session.execute(
        update(AuthSession)
        .where(_auth_session.id == principal.session_id, _auth_session.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason="logout")
    )
    forget_user(runtime, principal.user_id, session)
    record_audit(
        session, "auth.signed_out", object_type="auth_session", object_id=principal.session_id
    )
