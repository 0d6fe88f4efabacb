"""Routes that only the test app mounts, to exercise the shared mechanics in isolation."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import BaseModel

from app.core.errors import Conflict
from app.core.responses import json_response
from app.deps import CurrentPrincipal, IdempotencyDep, SessionDep
from app.platform.events import record_event
from app.routers.base import api_router
from app.schemas.users import UserCreate, UserRead
from app.services.identity.users import create_user

router = api_router("/_test", "Test support")


class Echo(BaseModel):
    payload: dict[str, Any]


@router.post("/echo", response_model=Echo)
async def test_echo(body: Echo, _principal: CurrentPrincipal) -> Response:
    """Echo the body back."""
    return json_response(body)


@router.get("/boom")
async def test_boom() -> Response:
    """Fail in an unexpected way."""
    raise RuntimeError("secret internal detail: the vault code is 1234")


@router.post("/users-then-fail", status_code=201)
async def test_create_user_then_fail(
    body: UserCreate, _principal: CurrentPrincipal, session: SessionDep, _claim: IdempotencyDep
) -> Response:
    """Create a user and an event, then fail: neither may survive."""
    user = await create_user(session, body)
    record_event(session, "test.extra", ("user", user.id), {})
    raise Conflict("failing on purpose after writing")


@router.post("/users-slow", status_code=201, response_model=UserRead)
async def test_create_user_slowly(
    body: UserCreate, _principal: CurrentPrincipal, session: SessionDep, _claim: IdempotencyDep
) -> Response:
    """Create a user, taking a while (to overlap concurrent duplicates)."""
    import asyncio

    await asyncio.sleep(0.5)
    user = await create_user(session, body)
    return json_response(UserRead.model_validate(user), status_code=201, version=user.version)


# --- Identity and access: permissions that no app route uses yet --------------------------
from app.core.errors import NotFound  # noqa: E402
from app.services.identity.access import PERMISSIONS, ensure_allowed  # noqa: E402


@router.get("/permissions/{resource}/{action}", status_code=204, response_class=Response)
async def test_check_permission(
    resource: str, action: str, principal: CurrentPrincipal
) -> Response:
    """Check one PERMISSIONS entry for the caller (403 if refused), as `require` would."""
    if (resource, action) not in PERMISSIONS:
        raise NotFound(f"No permission {resource}.{action}.")
    ensure_allowed(principal, resource, action)
    return Response(status_code=204)


@router.post("/unchecked-name", status_code=201)
async def test_store_unchecked_name(
    name: str, _principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """Store a name without schema checks (to exercise the database's own refusal)."""
    from app.core.roles import Role
    from app.models.identity import User

    session.add(User(email="unchecked@example.com", full_name=name, role=Role.INTERVIEWER))
    await session.flush()
    return Response(status_code=201)


# --- Intakes: a change whose request fails afterwards -------------------------------------
import uuid  # noqa: E402

from app.schemas.intakes import IntakeUpdate  # noqa: E402
from app.services.intakes.editing import apply_changes, load_for_change  # noqa: E402


@router.patch("/intakes/{intake_id}/change-then-fail")
async def test_change_intake_then_fail(
    intake_id: uuid.UUID, body: IntakeUpdate, principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """Apply a change to an intake (revision, event and all), then fail: nothing may survive."""
    intake = await load_for_change(session, principal, intake_id)
    await apply_changes(session, principal, intake, body.model_dump(exclude_unset=True))
    await session.flush()
    raise Conflict("failing on purpose after changing the intake")


@router.post("/unchecked-number", status_code=201)
async def test_store_unchecked_number(
    number: int, _principal: CurrentPrincipal, session: SessionDep
) -> Response:
    """Store an integer without schema bounds (to exercise the database's own refusal)."""
    from app.models.intakes import IntakeQuestion

    session.add(IntakeQuestion(text="Unchecked", position=number))
    await session.flush()
    return Response(status_code=201)
