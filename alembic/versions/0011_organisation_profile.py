"""organisation profile, competency listen-for notes, worker heartbeats

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-29 11:47:48.332153
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisation_profile",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("singleton", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("logo_url", sa.String(length=2000), nullable=True),
        sa.Column("website_url", sa.String(length=2000), nullable=True),
        sa.Column("careers_contact_name", sa.String(length=200), nullable=True),
        sa.Column("careers_email", sa.String(length=320), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_profile")),
        sa.UniqueConstraint("singleton", name=op.f("uq_organisation_profile_singleton")),
    )
    with op.batch_alter_table("organisation_profile", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_profile_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "worker_heartbeats",
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("jobs_run", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("worker", name=op.f("pk_worker_heartbeats")),
    )
    with op.batch_alter_table("worker_heartbeats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_worker_heartbeats_beat_at"), ["beat_at"], unique=False)

    with op.batch_alter_table("competencies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("listen_for", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("competencies", schema=None) as batch_op:
        batch_op.drop_column("listen_for")

    with op.batch_alter_table("worker_heartbeats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_worker_heartbeats_beat_at"))

    op.drop_table("worker_heartbeats")
    with op.batch_alter_table("organisation_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_profile_updated_at"))

    op.drop_table("organisation_profile")
