"""interviews and evaluations

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 20:26:34.467540
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notification_intents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["users.id"], name=op.f("fk_notification_intents_recipient_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_intents")),
    )
    with op.batch_alter_table("notification_intents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_intents_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notification_intents_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_notification_intents_recipient_id"), ["recipient_id"], unique=False
        )

    op.create_table(
        "application_decisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("decision", sa.String(length=30), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("from_stage", sa.String(length=64), nullable=False),
        sa.Column("to_stage", sa.String(length=64), nullable=False),
        sa.Column("reason_code", sa.String(length=50), nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by_api_client_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_decisions_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_application_decisions_decided_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_decisions")),
    )
    with op.batch_alter_table("application_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_decisions_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "interviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("intake_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.String(length=64), nullable=False),
        sa.Column("stage_name", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("video_url", sa.String(length=2000), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("scheduled_by_id", sa.Uuid(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "panel", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_interviews_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["intake_id"], ["intakes.id"], name=op.f("fk_interviews_intake_id_intakes")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["interview_plans.id"], name=op.f("fk_interviews_plan_id_interview_plans")
        ),
        sa.ForeignKeyConstraint(
            ["scheduled_by_id"], ["users.id"], name=op.f("fk_interviews_scheduled_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interviews")),
    )
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interviews_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_interviews_intake_id"), ["intake_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_interviews_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_interviews_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "evaluations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("intake_id", sa.Uuid(), nullable=False),
        sa.Column("interviewer_id", sa.Uuid(), nullable=False),
        sa.Column("panel_role", sa.String(length=30), nullable=False),
        sa.Column("stage_id", sa.String(length=64), nullable=False),
        sa.Column(
            "competencies", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column(
            "ratings", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("recommendation", sa.String(length=30), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("feedback_sla_hours", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalates_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("overdue_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("turnaround_seconds", sa.Integer(), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("amendment_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_evaluations_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["intake_id"], ["intakes.id"], name=op.f("fk_evaluations_intake_id_intakes")
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"], ["interviews.id"], name=op.f("fk_evaluations_interview_id_interviews")
        ),
        sa.ForeignKeyConstraint(
            ["interviewer_id"], ["users.id"], name=op.f("fk_evaluations_interviewer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint(
            "interview_id",
            "interviewer_id",
            name=op.f("uq_evaluations_interview_id_interviewer_id"),
        ),
    )
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluations_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evaluations_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_evaluations_intake_id"), ["intake_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_evaluations_interview_id"), ["interview_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evaluations_interviewer_id"), ["interviewer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evaluations_next_reminder_at"), ["next_reminder_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evaluations_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_evaluations_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "interview_participants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("interview_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("unqualified_lead", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_interview_participants_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_interview_participants_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_participants")),
        sa.UniqueConstraint(
            "interview_id", "user_id", name=op.f("uq_interview_participants_interview_id_user_id")
        ),
    )
    with op.batch_alter_table("interview_participants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interview_participants_interview_id"), ["interview_id"], unique=False
        )
        batch_op.create_index(
            "ix_interview_participants_user_busy", ["user_id", "starts_at"], unique=False
        )

    op.create_table(
        "evaluation_amendments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("evaluation_id", sa.Uuid(), nullable=False),
        sa.Column("amended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amended_by_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "before", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column(
            "after", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["amended_by_id"],
            ["users.id"],
            name=op.f("fk_evaluation_amendments_amended_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_amendments_evaluation_id_evaluations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_amendments")),
    )
    with op.batch_alter_table("evaluation_amendments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_amendments_evaluation_id"), ["evaluation_id"], unique=False
        )

    with op.batch_alter_table("interview_plans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shadows_evaluate", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # The default only fills existing plans; new rows get theirs from the application.
    with op.batch_alter_table("interview_plans", schema=None) as batch_op:
        batch_op.alter_column("shadows_evaluate", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("interview_plans", schema=None) as batch_op:
        batch_op.drop_column("shadows_evaluate")

    with op.batch_alter_table("evaluation_amendments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_amendments_evaluation_id"))

    op.drop_table("evaluation_amendments")
    with op.batch_alter_table("interview_participants", schema=None) as batch_op:
        batch_op.drop_index("ix_interview_participants_user_busy")
        batch_op.drop_index(batch_op.f("ix_interview_participants_interview_id"))

    op.drop_table("interview_participants")
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluations_updated_at"))
        batch_op.drop_index(batch_op.f("ix_evaluations_status"))
        batch_op.drop_index(batch_op.f("ix_evaluations_next_reminder_at"))
        batch_op.drop_index(batch_op.f("ix_evaluations_interviewer_id"))
        batch_op.drop_index(batch_op.f("ix_evaluations_interview_id"))
        batch_op.drop_index(batch_op.f("ix_evaluations_intake_id"))
        batch_op.drop_index(batch_op.f("ix_evaluations_due_at"))
        batch_op.drop_index(batch_op.f("ix_evaluations_application_id"))

    op.drop_table("evaluations")
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interviews_updated_at"))
        batch_op.drop_index(batch_op.f("ix_interviews_starts_at"))
        batch_op.drop_index(batch_op.f("ix_interviews_intake_id"))
        batch_op.drop_index(batch_op.f("ix_interviews_application_id"))

    op.drop_table("interviews")
    with op.batch_alter_table("application_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_decisions_application_id"))

    op.drop_table("application_decisions")
    with op.batch_alter_table("notification_intents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_intents_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_notification_intents_kind"))
        batch_op.drop_index(batch_op.f("ix_notification_intents_created_at"))

    op.drop_table("notification_intents")
