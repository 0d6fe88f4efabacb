"""/api/v1/audit-events: the audit trail (admins)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response
from pydantic import AwareDatetime

from app.core.principal import Principal
from app.core.responses import page_response
from app.deps import PageDep, require, runtime_of
from app.platform.audit import list_audit_events
from app.routers.base import api_router
from app.schemas.audit import AuditEventList, AuditEventRead
from app.schemas.common import SingleLine

router = api_router("/audit-events", "Audit")


@router.get("", response_model=AuditEventList)
async def audit_events_list(
    request: Request,
    _principal: Annotated[Principal, require("audit_events", "list")],
    page: PageDep,
    actor_user_id: Annotated[uuid.UUID | None, Query()] = None,
    api_client_id: Annotated[uuid.UUID | None, Query()] = None,
    action: Annotated[SingleLine | None, Query(max_length=100, examples=["user.created"])] = None,
    object_type: Annotated[SingleLine | None, Query(max_length=50)] = None,
    object_id: Annotated[SingleLine | None, Query(max_length=100)] = None,
    since: Annotated[AwareDatetime | None, Query()] = None,
) -> Response:
    """List audit entries, oldest first."""
    runtime = runtime_of(request)
    result = await list_audit_events(
        runtime.db,
        runtime.cursors,
        page,
        actor_user_id=actor_user_id,
        api_client_id=api_client_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        since=since,
    )
    return page_response(request, AuditEventRead, result)
