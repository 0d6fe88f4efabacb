"""An intake's revisions: the list, one revision's snapshot, and field-by-field diffs."""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, select

from app.core.db import CompiledQuery, Database
from app.core.errors import FieldProblem, NotFound, ValidationFailed
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.models.base import table_of
from app.models.intakes import IntakeRevision
from app.schemas.intakes import FieldDiff, IntakeDiff, RevisionRead
from app.services.intakes import rules
from app.services.intakes.editing import visible_row

_revision = table_of(IntakeRevision).c

REVISIONS = ListQuery(
    "intake_revisions",
    select(*table_of(IntakeRevision).c),
    filters={"intake_id": lambda p: _revision.intake_id == p},
    orders={"number": Keyset((_revision.number,), ("int",))},
)
_ONE = CompiledQuery(
    select(*table_of(IntakeRevision).c).where(
        _revision.intake_id == bindparam("intake_id"), _revision.number == bindparam("number")
    )
)


async def list_revisions(
    db: Database,
    cursors: CursorCodec,
    page: PageRequest,
    principal: Principal,
    intake_id: uuid.UUID,
) -> PageResult:
    """A page of the intake's revisions, oldest first."""
    await visible_row(db, principal, intake_id)  # 404 unless the caller may see it
    return await REVISIONS.page(db, cursors, page, order="number", intake_id=intake_id)


async def get_revision(
    db: Database, principal: Principal, intake_id: uuid.UUID, number: int
) -> RevisionRead:
    """One revision with its full snapshot."""
    await visible_row(db, principal, intake_id)
    row = await db.fetch_one(_ONE, {"intake_id": intake_id, "number": number})
    if row is None:
        raise NotFound(f"The intake has no revision {number}.")
    return RevisionRead.model_validate(dict(row))


async def diff_revisions(
    db: Database, principal: Principal, intake_id: uuid.UUID, start: int, end: int
) -> IntakeDiff:
    """What differs between two revisions, field by field."""
    await visible_row(db, principal, intake_id)
    snapshots = {}
    for location, number in (("query.from", start), ("query.to", end)):
        row = await db.fetch_one(_ONE, {"intake_id": intake_id, "number": number})
        if row is None:
            raise ValidationFailed(
                f"The intake has no revision {number}.",
                errors=[FieldProblem(location, "no such revision", "unknown_revision")],
            )
        snapshots[number] = row["snapshot"]
    before, after = snapshots[start], snapshots[end]
    changes = [
        FieldDiff(field=field, before=before.get(field), after=after.get(field))
        for field in rules.AGREEMENT_FIELDS
        if before.get(field) != after.get(field)
    ]
    return IntakeDiff(
        from_revision=start,
        to_revision=end,
        material=any(c.field in rules.MATERIAL_FIELDS for c in changes),
        changes=changes,
    )


def summary(row: dict[str, object]) -> dict[str, object]:
    """A revision row as its list entry."""
    changes = row["changes"]
    return {**row, "changed_fields": sorted(changes) if isinstance(changes, dict) else []}
