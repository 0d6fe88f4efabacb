"""Every kind of background job, registered in one place: what runs it and on what schedule.

A new kind goes here (and nowhere else): its handler lives in its domain's service package.
"""

from __future__ import annotations

from datetime import timedelta

from app.platform import maintenance
from app.platform.jobs import register_job
from app.services.events import deliveries, relay
from app.services.interviews import reminders
from app.services.market import imports as market_imports
from app.services.notifications import deadlines, digest
from app.services.notifications import delivery as notifications
from app.services.pipeline import hm_reviews, imports
from app.services.plans import training
from app.services.transcripts import recordings


def register_job_kinds() -> None:
    """Register every job kind the worker runs (idempotent)."""
    register_job(relay.RELAY_JOB, relay.relay_job, every=timedelta(seconds=1))
    register_job(
        deliveries.DELIVER_JOB, deliveries.deliver_job, manages_transactions=True, max_attempts=3
    )
    register_job(
        notifications.NOTIFY_JOB,
        notifications.notify_job,
        every=timedelta(seconds=30),
        manages_transactions=True,
    )
    register_job(deadlines.DEADLINES_JOB, deadlines.deadlines_job, every=timedelta(hours=1))
    register_job(digest.DIGEST_JOB, digest.digest_job, every=timedelta(hours=1))
    register_job("maintenance.purge", maintenance.purge, every=timedelta(minutes=10))
    register_job("training.expire", training.expire_job, every=timedelta(hours=1))
    register_job(
        "applications.notify_due_reviews", hm_reviews.notify_job, every=timedelta(minutes=5)
    )
    register_job("evaluations.remind", reminders.remind_job, every=timedelta(minutes=5))
    register_job(imports.IMPORT_JOB, imports.run_job, manages_transactions=True)
    register_job(market_imports.IMPORT_JOB, market_imports.import_job, manages_transactions=True)
    register_job(
        recordings.RETENTION_JOB,
        recordings.retention_job,
        every=timedelta(hours=1),
        manages_transactions=True,
    )
