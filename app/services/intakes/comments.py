"""The intake discussion thread: comments by the hiring team, with @mentions."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from app.core.etag import require_match
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.models.base import table_of
from app.models.intakes import Intake, IntakeComment
from app.platform.events import record_event
from app.schemas.intake_comments import IntakeCommentCreate, IntakeCommentUpdate
from app.services.identity.access import unrestricted
from app.services.intakes.editing import load_for_change, visible_row

EDIT_WINDOW = timedelta(minutes=15)
_comment = table_of(IntakeComment).c

COMMENTS = ListQuery(
    "intake_comments",
    select(*table_of(IntakeComment).c),
    filters={"intake_id": lambda p: _comment.intake_id == p},
    orders={"id": Keyset((_comment.id,), ("uuid",))},
)


async def list_comments(
    db: Database,
    cursors: CursorCodec,
    page: PageRequest,
    principal: Principal,
    intake_id: uuid.UUID,
) -> PageResult:
    """The thread, oldest first; deleted comments keep their place without their text."""
    await visible_row(db, principal, intake_id)
    result = await COMMENTS.page(db, cursors, page, order="id", intake_id=intake_id)
    rows = [
        {**row, "body": None} if row["deleted_at"] is not None else dict(row) for row in result.rows
    ]
    return PageResult(rows, result.next_cursor)


def _check_mentions(intake: Intake, mentions: list[uuid.UUID]) -> list[str]:
    team = {m["user_id"] for m in intake.team}
    outside = [i for i, user_id in enumerate(mentions) if str(user_id) not in team]
    if outside:
        raise ValidationFailed(
            "Only members of the hiring team can be mentioned.",
            errors=[
                FieldProblem(f"body.mentions[{i}]", "not on this intake's team", "not_on_team")
                for i in outside
            ],
        )
    return list(dict.fromkeys(str(m) for m in mentions))


async def add_comment(
    session: AsyncSession, principal: Principal, intake_id: uuid.UUID, data: IntakeCommentCreate
) -> IntakeComment:
    """Post to the thread (team members and admins)."""
    assert principal.user_id is not None  # noqa: S101 - the permission requires a person
    intake = await load_for_change(session, principal, intake_id)
    comment = IntakeComment(
        intake_id=intake.id,
        author_id=principal.user_id,
        body=data.body,
        mentions=_check_mentions(intake, data.mentions),
    )
    session.add(comment)
    await session.flush()
    record_event(
        session,
        "intake.comment_added",
        ("intake", intake.id),
        {
            "intake_id": str(intake.id),
            "comment_id": str(comment.id),
            "author_id": str(comment.author_id),
            "mentions": comment.mentions,
        },
    )
    return comment


async def _load_comment(
    session: AsyncSession, principal: Principal, intake_id: uuid.UUID, comment_id: uuid.UUID
) -> tuple[Intake, IntakeComment]:
    intake = await load_for_change(session, principal, intake_id)
    comment = (
        await session.execute(
            select(IntakeComment)
            .where(_comment.id == comment_id, _comment.intake_id == intake_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if comment is None or comment.deleted_at is not None:
        raise NotFound(f"No comment with id {comment_id} on this intake.")
    return intake, comment


async def edit_comment(
    session: AsyncSession,
    principal: Principal,
    intake_id: uuid.UUID,
    comment_id: uuid.UUID,
    if_match: list[str] | None,
    data: IntakeCommentUpdate,
) -> IntakeComment:
    """The author edits their comment within the edit window."""
    intake, comment = await _load_comment(session, principal, intake_id, comment_id)
    if comment.author_id != principal.user_id:
        raise Forbidden("Only the author can edit a comment.")
    require_match(if_match, comment.version)
    if utcnow() - comment.created_at > EDIT_WINDOW:
        raise Conflict(
            f"Comments can be edited for {int(EDIT_WINDOW.total_seconds() // 60)} minutes; "
            "post a new one instead."
        )
    comment.body = data.body
    if data.mentions is not None:
        comment.mentions = _check_mentions(intake, data.mentions)
    comment.edited_at = utcnow()
    await session.flush()
    return comment


async def delete_comment(
    session: AsyncSession, principal: Principal, intake_id: uuid.UUID, comment_id: uuid.UUID
) -> None:
    """Soft-delete: by the author, the intake's recruiter or an admin."""
    intake, comment = await _load_comment(session, principal, intake_id, comment_id)
    if principal.user_id not in (comment.author_id, intake.recruiter_id) and not unrestricted(
        principal
    ):
        raise Forbidden("Only the author, the intake's recruiter or an admin can delete it.")
    comment.deleted_at = utcnow()
    await session.flush()
