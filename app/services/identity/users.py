"""Users: create, read, list, update, deactivate and reactivate; change one's own password."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import CompiledQuery, Database
from app.core.errors import Conflict, FieldProblem, NotFound, Unauthorized, ValidationFailed
from app.core.etag import require_match
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.core.roles import Role
from app.core.security import hash_password, password_problems, verify_password
from app.models.base import table_of
from app.models.identity import AuthSession, User
from app.platform.audit import record_audit
from app.platform.events import record_event
from app.platform.runtime import Runtime
from app.schemas.users import PasswordChange, UserCreate, UserUpdate
from app.services.identity.access import is_staff
from app.services.identity.auth import forget_user

_auth_session = table_of(AuthSession).c
_user = table_of(User).c

_users = table_of(User).c
PUBLIC_COLUMNS = (
    _users.id,
    _users.email,
    _users.full_name,
    _users.role,
    _users.time_zone,
    _users.is_active,
    _users.deactivated_at,
    _users.created_at,
    _users.updated_at,
    _users.version,
)

_USER_BY_ID = CompiledQuery(select(*PUBLIC_COLUMNS).where(_users.id == bindparam("user_id")))

USERS = ListQuery(
    "users",
    select(*PUBLIC_COLUMNS),
    filters={
        "role": lambda p: _users.role == p,
        "is_active": lambda p: _users.is_active == p,
        "updated_since": lambda p: _users.updated_at >= p,
    },
    orders={
        "id": Keyset((_users.id,), ("uuid",)),
        "updated_at": Keyset((_users.updated_at, _users.id), ("datetime", "uuid")),
    },
)


def _not_found(user_id: uuid.UUID) -> NotFound:
    return NotFound(f"No user with id {user_id}.")


def user_payload(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "email": user.email,
        "full_name": user.full_name,
        "role": str(user.role),
        "is_active": user.is_active,
    }


async def get_user(db: Database, principal: Principal, user_id: uuid.UUID) -> Mapping[str, Any]:
    """One user's public fields (with `version`); people other than staff see only themselves."""
    if not is_staff(principal) and principal.user_id != user_id:
        raise _not_found(user_id)
    row = await db.fetch_one(_USER_BY_ID, {"user_id": user_id})
    if row is None:
        raise _not_found(user_id)
    return row


async def list_users(
    db: Database,
    cursors: CursorCodec,
    page: PageRequest,
    *,
    role: Role | None = None,
    is_active: bool | None = None,
    updated_since: datetime | None = None,
) -> PageResult:
    """A page of users, in creation order, or by `updated_at` when syncing with `updated_since`."""
    return await USERS.page(
        db,
        cursors,
        page,
        order="updated_at" if updated_since is not None else "id",
        role=str(role) if role is not None else None,
        is_active=is_active,
        updated_since=updated_since,
    )


def _password_error(password: str, email: str, location: str) -> ValidationFailed | None:
    problems = password_problems(password, email=email)
    if not problems:
        return None
    return ValidationFailed(
        "The password is too weak.",
        errors=[FieldProblem(location, f"password {p}", "weak_password") for p in problems],
    )


async def create_user(session: AsyncSession, data: UserCreate) -> User:
    """Create a user; 409 if the e-mail address is taken (case-insensitively)."""
    existing = (
        await session.execute(select(_user.id).where(_user.email == data.email))
    ).scalar_one_or_none()
    if existing is not None:
        raise Conflict(
            "A user with this e-mail address already exists.",
            extensions={"existing_id": str(existing)},
        )
    password_hash = None
    if data.password is not None:
        error = _password_error(data.password, data.email, "body.password")
        if error:
            raise error
        password_hash = await anyio.to_thread.run_sync(hash_password, data.password)
    user = User(
        email=data.email,
        full_name=data.full_name,
        role=data.role,
        time_zone=data.time_zone,
        password_hash=password_hash,
        password_changed_at=utcnow() if password_hash else None,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict("A user with this e-mail address already exists.") from None
    record_event(session, "user.created", ("user", user.id), user_payload(user))
    record_audit(session, "user.created", object_type="user", object_id=user.id)
    return user


async def _load_for_update(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = (
        await session.execute(select(User).where(_user.id == user_id).with_for_update())
    ).scalar_one_or_none()
    if user is None:
        raise _not_found(user_id)
    return user


async def update_user(
    session: AsyncSession,
    runtime: Runtime,
    user_id: uuid.UUID,
    if_match: list[str] | None,
    data: UserUpdate,
) -> User:
    """Apply a partial update guarded by If-Match."""
    user = await _load_for_update(session, user_id)
    require_match(if_match, user.version)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if changes.get("role", Role.ADMIN) != Role.ADMIN and user.role == Role.ADMIN:
        await _keep_an_admin(session, user)
    before = {field: getattr(user, field) for field in changes}
    for field, value in changes.items():
        setattr(user, field, value)
    await session.flush()
    changed = {
        k: {"from": str(before[k]), "to": str(v)} for k, v in changes.items() if before[k] != v
    }
    if changed:
        forget_user(runtime, user.id, session)
        record_event(
            session, "user.updated", ("user", user.id), {**user_payload(user), "changes": changed}
        )
        # Which fields changed, never their values: a name or e-mail is personal data and the
        # audit log is append-only (it could never be erased from it). A role is not personal.
        details: dict[str, object] = {"fields": sorted(changed)}
        if "role" in changed:
            details["role"] = changed["role"]
        record_audit(
            session, "user.updated", object_type="user", object_id=user.id, details=details
        )
    return user


async def _keep_an_admin(session: AsyncSession, leaving: User) -> None:
    """Refuse to remove the last active admin (nobody could administer users any more)."""
    others = (
        await session.execute(
            select(func.count())
            .select_from(User)
            .where(_user.role == Role.ADMIN, _user.is_active.is_(True), _user.id != leaving.id)
        )
    ).scalar_one()
    if others == 0:
        raise Conflict("This is the last active admin; make someone else an admin first.")


async def _end_session(runtime: Runtime, principal: Principal, reason: str) -> None:
    """End the caller's own session (its own transaction: the request fails)."""
    assert principal.user_id is not None  # noqa: S101
    if principal.session_id is not None:
        async with runtime.db.unit_of_work(write=True) as own:
            await own.execute(
                update(AuthSession)
                .where(_auth_session.id == principal.session_id, _auth_session.revoked_at.is_(None))
                .values(revoked_at=utcnow(), revoked_reason=reason)
            )
            record_audit(
                own,
                "auth.session_ended",
                object_type="auth_session",
                object_id=principal.session_id,
            )
    forget_user(runtime, principal.user_id)


async def revoke_sessions(
    session: AsyncSession, user_id: uuid.UUID, reason: str, *, keep: uuid.UUID | None = None
) -> None:
    """End every sign-in session of a user (except `keep`); their tokens stop working."""
    statement = (
        update(AuthSession)
        .where(_auth_session.user_id == user_id, _auth_session.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    if keep is not None:
        statement = statement.where(_auth_session.id != keep)
    await session.execute(statement)


async def set_active(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    user_id: uuid.UUID,
    *,
    active: bool,
) -> User:
    """Deactivate (ending every session at once) or reactivate a user."""
    if not active and principal.user_id == user_id:
        raise Conflict("You cannot deactivate yourself; ask another admin.")
    user = await _load_for_update(session, user_id)
    if not active and user.is_active and user.role == Role.ADMIN:
        await _keep_an_admin(session, user)
    if user.is_active == active:
        return user
    user.is_active = active
    user.deactivated_at = None if active else utcnow()
    if not active:
        await revoke_sessions(session, user.id, "deactivated")
    await session.flush()
    forget_user(runtime, user.id, session)
    action = "user.reactivated" if active else "user.deactivated"
    record_event(session, action, ("user", user.id), user_payload(user))
    record_audit(session, action, object_type="user", object_id=user.id)
    return user


async def get_me(db: Database, principal: Principal) -> Mapping[str, Any]:
    """The signed-in user (or the user an integration acts for)."""
    assert principal.user_id is not None  # noqa: S101 - guaranteed by the permission
    return await get_user(db, principal, principal.user_id)


async def change_password(
    session: AsyncSession, runtime: Runtime, principal: Principal, data: PasswordChange
) -> None:
    """Change one's own password; other sessions end, this one stays signed in."""
    assert principal.user_id is not None  # noqa: S101
    # Counted before the check, before this request's transaction starts (on SQLite our own
    # write lock would block the count): a stolen session is not a password oracle.
    limiter = runtime.sign_in_limiter
    if not await limiter.password_attempt(str(principal.user_id)):
        await _end_session(runtime, principal, "password_guessing")
        raise Unauthorized(
            "Too many wrong passwords: this session has ended. Sign in again.",
            headers={"WWW-Authenticate": 'Bearer realm="tandem", error="invalid_token"'},
        )
    user = await _load_for_update(session, principal.user_id)
    ok = await anyio.to_thread.run_sync(verify_password, user.password_hash, data.current_password)
    if ok:
        limiter.password_verified(session, str(principal.user_id))
    else:
        raise ValidationFailed(
            "The current password is not correct.",
            errors=[FieldProblem("body.current_password", "is not correct", "wrong_password")],
        )
    error = _password_error(data.new_password, user.email, "body.new_password")
    if error:
        raise error
    if data.new_password == data.current_password:
        raise ValidationFailed(
            "The new password must differ from the current one.",
            errors=[FieldProblem("body.new_password", "same as the current password", "unchanged")],
        )
    user.password_hash = await anyio.to_thread.run_sync(hash_password, data.new_password)
    user.password_changed_at = utcnow()
    await revoke_sessions(session, user.id, "password_changed", keep=principal.session_id)
    await session.flush()
    forget_user(runtime, user.id, session)
    record_audit(session, "user.password_changed", object_type="user", object_id=user.id)
