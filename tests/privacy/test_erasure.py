"""Erasure reaches every copy: after it, no table, text or JSON column, or stored file holds
the candidate's name, e-mail or phone; the dry run lists exactly what the real run changes;
the facts statistics need stay."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from app.core.roles import Role
from app.models.base import table_of
from app.models.candidates import Application, Candidate, StageChange
from app.models.identity import AuditEvent
from app.models.interviews import Evaluation
from app.models.platform import Event
from app.platform.runtime import Runtime
from app.services.privacy.erasure import email_hash
from tests.support.intakes import act
from tests.support.privacy import (
    EMAIL,
    changed,
    find_personal_data,
    snapshot,
    spread_candidate,
    stored_files,
)


def _erasure(candidate_id: str) -> str:
    return f"/api/v1/candidates/{candidate_id}/erasure"


async def _facts(runtime: Runtime, candidate_id: str) -> list[Any]:
    """What statistics read: applications' stages and dates, stage history, ratings."""
    app_t, change_t, eval_t = (table_of(m) for m in (Application, StageChange, Evaluation))
    candidate = uuid.UUID(candidate_id)
    async with runtime.db.engine.connect() as conn:
        apps = (
            await conn.execute(
                select(
                    app_t.c.id,
                    app_t.c.stage,
                    app_t.c.status,
                    app_t.c.reason_code,
                    app_t.c.created_at,
                    app_t.c.source,
                ).where(app_t.c.candidate_id == candidate)
            )
        ).all()
        ids = [a.id for a in apps]
        history = (
            await conn.execute(
                select(change_t.c.from_stage, change_t.c.to_stage, change_t.c.at)
                .where(change_t.c.application_id.in_(ids))
                .order_by(change_t.c.at)
            )
        ).all()
        ratings = (
            await conn.execute(
                select(
                    eval_t.c.ratings,
                    eval_t.c.recommendation,
                    eval_t.c.submitted_at,
                    eval_t.c.due_at,
                ).where(eval_t.c.application_id.in_(ids))
            )
        ).all()
    return [
        list(apps),
        list(history),
        [
            ([(r["competency_id"], r.get("rating")) for r in row.ratings], *row[1:])
            for row in ratings
        ],
    ]


async def test_erasure_reaches_every_copy(client, make_user, runtime: Runtime) -> None:
    admin = await make_user(Role.ADMIN)
    # Files earlier tests left in the shared storage directory (their rows are gone); the scan
    # covers every file this test's world wrote.
    earlier_files = stored_files(runtime)
    spread = await spread_candidate(client, make_user, runtime, admin)
    await runtime.read_audit.flush()
    # The set-up really put the data everywhere the sweep has to reach.
    before_places = await find_personal_data(runtime, spread.needles, ignore_files=earlier_files)
    for place in (
        "candidates.full_name",
        "candidates.email",
        "candidates.phone",
        "idempotency_keys.response_body",
        "recording_consents.given_by",
        "transcript_segments.text",
        "evaluations.ratings",
        "evaluations.summary",
        "intake_comments.body",
        "applications.reason_note",
        "imports.file_name",
        "events.payload",
        "webhook_deliveries.body",
        "webhook_deliveries.response_body",
        "notifications.title",
        "notifications.body",
    ):
        assert place in before_places, "\n".join(before_places)
    # The uploaded import file itself is already gone: processed uploads are deleted.
    assert not any(p.startswith("file imports/") for p in before_places), before_places
    facts = await _facts(runtime, spread.candidate_id)
    before = await snapshot(runtime)

    dry = await act(
        client, admin, "POST", _erasure(spread.candidate_id), params={"dry_run": "true"}
    )
    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert report["dry_run"] is True
    assert report["erased_at"] is None
    assert await snapshot(runtime) == before  # a dry run changes nothing
    assert any(f.startswith("recordings/") or "record" in f for f in report["files"]), report

    real = await act(client, admin, "POST", _erasure(spread.candidate_id))
    assert real.status_code == 200, real.text
    assert real.json()["changes"] == report["changes"]
    assert real.json()["files"] == report["files"]
    after = await snapshot(runtime)
    # The dry run's listing is what really changed (rows added since: the audit entry and
    # the event of the erasure itself).
    assert changed(before, after) == report["changes"]

    await runtime.read_audit.flush()
    assert await find_personal_data(runtime, spread.needles, ignore_files=earlier_files) == []
    assert await _facts(runtime, spread.candidate_id) == facts

    candidate_t, candidate_id = table_of(Candidate), uuid.UUID(spread.candidate_id)
    async with runtime.db.engine.connect() as conn:
        row = (
            (await conn.execute(select(candidate_t).where(candidate_t.c.id == candidate_id)))
            .mappings()
            .one()
        )
        events = (
            (
                await conn.execute(
                    select(table_of(Event)).where(table_of(Event).c.type == "candidate.erased")
                )
            )
            .mappings()
            .all()
        )
        audits = (
            (
                await conn.execute(
                    select(table_of(AuditEvent)).where(
                        table_of(AuditEvent).c.action == "candidate.erased"
                    )
                )
            )
            .mappings()
            .all()
        )
    assert row["full_name"] == "Erased candidate"
    assert row["email"] is None
    assert row["erased_email_hash"] == email_hash(runtime.settings.resolved_secret_key, EMAIL)
    assert [e["subject_id"] for e in events] == [spread.candidate_id]
    assert [(a["object_id"], str(a["actor_user_id"])) for a in audits] == [
        (spread.candidate_id, str(admin.id))
    ]

    again = await act(client, admin, "POST", _erasure(spread.candidate_id))
    assert again.status_code == 409, again.text
    assert again.headers["content-type"].startswith("application/problem+json")


async def test_an_api_key_needs_privacy_manage(client, make_user, make_api_key) -> None:
    recruiter = await make_user(Role.RECRUITER)
    created = await act(
        client,
        recruiter,
        "POST",
        "/api/v1/candidates",
        json={"full_name": "Mary Somerville", "email": "mary@example.org"},
    )
    assert created.status_code == 201, created.text
    url = _erasure(created.json()["id"])
    reader = await make_api_key("candidates:write")
    refused = await client.post(url, headers=reader.headers(), params={"dry_run": "true"})
    assert refused.status_code == 403, refused.text
    manager = await make_api_key("privacy:manage")
    dry = await client.post(url, headers=manager.headers(), params={"dry_run": "true"})
    assert dry.status_code == 200, dry.text
    assert {"table": "candidates", "action": "anonymise", "rows": 1} in dry.json()["changes"]
    assert (await client.post(url, headers=manager.headers())).status_code == 200
    assert (await client.post(url, headers=manager.headers())).status_code == 409
    # Erasure is final: the anonymous record takes no personal data again.
    record = f"/api/v1/candidates/{created.json()['id']}"
    current = await act(client, recruiter, "GET", record)
    assert current.json()["full_name"] == "Erased candidate"
    refilled = await act(
        client,
        recruiter,
        "PATCH",
        record,
        json={"email": "mary@example.org"},
        headers={"If-Match": current.headers["etag"]},
    )
    assert refilled.status_code == 409, refilled.text


async def test_unknown_and_malformed_ids_are_4xx(client, make_user) -> None:
    admin = await make_user(Role.ADMIN)
    missing = await act(client, admin, "POST", _erasure("0190c8a4-7d7e-7000-8000-000000000000"))
    assert missing.status_code == 404
    bad = await act(client, admin, "POST", _erasure("not-a-uuid"), params={"dry_run": "maybe"})
    assert bad.status_code in (400, 422)


async def test_a_namesake_keeps_their_record(client, make_user) -> None:
    admin, recruiter = await make_user(Role.ADMIN), await make_user(Role.RECRUITER)
    people = []
    for email in ("ada.one@example.org", "ada.two@example.org"):
        created = await act(
            client,
            recruiter,
            "POST",
            "/api/v1/candidates",
            json={"full_name": "Ada Lovelace", "email": email, "other_emails": []},
        )
        assert created.status_code == 201, created.text
        people.append(created.json()["id"])
    erased = await act(client, admin, "POST", _erasure(people[0]))
    assert erased.status_code == 200, erased.text
    assert erased.json()["changes"] == [{"table": "candidates", "action": "anonymise", "rows": 1}]
    namesake = await act(client, admin, "GET", f"/api/v1/candidates/{people[1]}")
    assert (namesake.json()["full_name"], namesake.json()["email"]) == (
        "Ada Lovelace",
        "ada.two@example.org",
    )
