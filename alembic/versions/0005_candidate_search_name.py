"""candidate search name: the full name folded for case- and accent-insensitive search

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 20:20:00.000000
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fold(text: str) -> str:
    # Frozen copy of app.core.text.fold as of this revision: a migration must not change
    # meaning when the application code does.
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare).casefold()[:200]


def upgrade() -> None:
    op.add_column("candidates", sa.Column("search_name", sa.String(length=200), nullable=True))
    candidates = sa.table(
        "candidates",
        sa.column("id", sa.Uuid()),
        sa.column("full_name", sa.String()),
        sa.column("search_name", sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(candidates.c.id, candidates.c.full_name)).all()
    if rows:
        bind.execute(
            candidates.update()
            .where(candidates.c.id == sa.bindparam("row_id"))
            .values(search_name=sa.bindparam("folded")),
            [{"row_id": r.id, "folded": _fold(r.full_name)} for r in rows],
        )
    with op.batch_alter_table("candidates") as batch:
        batch.alter_column("search_name", existing_type=sa.String(length=200), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("candidates") as batch:
        batch.drop_column("search_name")
