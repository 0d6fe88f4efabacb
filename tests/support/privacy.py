"""A candidate whose personal data is spread over every place Tandem keeps it, and a scan of
every table (found from the metadata) and the storage directory for that data."""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import LargeBinary, select

from app.models import metadata
from app.models.notifications import Notification
from app.models.platform import Event
from app.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookSubscription
from app.platform.runtime import Runtime
from app.worker import Worker
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import act
from tests.support.transcripts import (
    CANDIDATE_NAME,
    Held,
    give_consent,
    held_interview,
    put_transcript,
    upload_recording,
    wav_bytes,
)

EMAIL = "ada.lovelace+jobs@example.org"
PHONE = "+442079460958"
CANDIDATES = "/api/v1/candidates"
VTT = f"""WEBVTT

00:00:01.000 --> 00:00:04.000
<v Jane Doe>Welcome {CANDIDATE_NAME}, tell me about the ledger.

00:00:05.000 --> 00:00:09.000
<v {CANDIDATE_NAME}>Sure. You can reach me on {PHONE} or {EMAIL} afterwards.
"""


@dataclass
class Spread:
    held: Held
    admin: Actor
    candidate_id: str
    application_id: str
    needles: list[str]


async def spread_candidate(
    client: httpx.AsyncClient, make_user: MakeUser, runtime: Runtime, admin: Actor
) -> Spread:
    """Ada Lovelace in the candidate record, a stored idempotent response, consent, a
    recording, a transcript, an evaluation, a comment and its notification, a briefing link,
    a rejection note, an import file and its rows."""
    held = await held_interview(client, make_user, runtime)
    s = held.setting
    patched = await _patch_candidate(client, s.recruiter, s.candidate_id)
    assert patched["email"] == EMAIL
    merged = await act(
        client,
        s.recruiter,
        "POST",
        CANDIDATES,
        params={"on_conflict": "merge"},
        json={"full_name": CANDIDATE_NAME, "email": EMAIL, "headline": "Analyst"},
        headers={"Idempotency-Key": "ada-merge-1"},
    )
    assert merged.status_code == 200, merged.text  # merged into the same person
    await give_consent(client, s.lead, held)
    assert (await upload_recording(client, s.lead, held, wav_bytes())).status_code == 201
    assert (await put_transcript(client, s.lead, held, VTT)).status_code in (200, 201)
    await _evaluate(client, held)
    comment = await act(
        client,
        s.recruiter,
        "POST",
        f"/api/v1/intakes/{s.intake_id}/comments",
        json={"body": f"{CANDIDATE_NAME} ({EMAIL}) is strong", "mentions": [str(s.manager.id)]},
    )
    assert comment.status_code == 201, comment.text
    shared = await act(
        client, s.recruiter, "POST", f"/api/v1/applications/{s.application_id}/briefing/share"
    )
    assert shared.status_code == 201, shared.text
    rejected = await act(
        client,
        s.recruiter,
        "POST",
        f"/api/v1/applications/{s.application_id}/reject",
        json={"reason_code": "other", "note": f"{CANDIDATE_NAME} took another offer"},
    )
    assert rejected.status_code == 200, rejected.text
    await _import(client, runtime, s.recruiter)
    await _copies_elsewhere(runtime, s.manager, s.candidate_id)
    return Spread(
        held, admin, s.candidate_id, s.application_id, [CANDIDATE_NAME.lower(), EMAIL, PHONE]
    )


async def _patch_candidate(client: httpx.AsyncClient, actor: Actor, candidate_id: str) -> Any:
    current = await act(client, actor, "GET", f"{CANDIDATES}/{candidate_id}")
    response = await act(
        client,
        actor,
        "PATCH",
        f"{CANDIDATES}/{candidate_id}",
        json={"email": EMAIL, "phone": PHONE},
        headers={"If-Match": current.headers["etag"]},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _evaluate(client: httpx.AsyncClient, held: Held) -> None:
    s = held.setting
    mine = await act(client, s.lead, "GET", "/api/v1/me/evaluations", params={"limit": 200})
    assert mine.status_code == 200, mine.text
    [evaluation] = [e for e in mine.json()["data"] if e["interview_id"] == held.id]
    url = f"/api/v1/evaluations/{evaluation['id']}"
    etag = (await act(client, s.lead, "GET", url)).headers["etag"]
    first, second = s.competency_ids[:2]
    saved = await act(
        client,
        s.lead,
        "PATCH",
        url,
        headers={"If-Match": etag},
        json={
            "ratings": [
                {"competency_id": first, "rating": 3, "notes": f"{CANDIDATE_NAME} chose well"},
                {"competency_id": second, "not_assessed": True},
            ],
            "recommendation": "yes",
            "summary": f"Hire {CANDIDATE_NAME}.",
        },
    )
    assert saved.status_code == 200, saved.text
    assert (await act(client, s.lead, "POST", f"{url}/submit")).status_code == 200


async def _import(client: httpx.AsyncClient, runtime: Runtime, actor: Actor) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(
        [
            ["Name", "E-mail", "Phone"],
            [CANDIDATE_NAME, EMAIL, PHONE],
            ["Grace Hopper", "grace@example.org", "+12025550123"],
            [CANDIDATE_NAME, "not an e-mail", PHONE],
        ]
    )
    mapping = {"Name": "full_name", "E-mail": "email", "Phone": "phone"}
    started = await client.post(
        "/api/v1/imports",
        headers=actor.headers,
        files={"file": (f"{CANDIDATE_NAME}.csv", out.getvalue().encode(), "text/csv")},
        data={"mapping": json.dumps(mapping)},
    )
    assert started.status_code == 202, started.text
    await Worker(runtime).run_until_idle()


async def _copies_elsewhere(runtime: Runtime, recipient: Actor, candidate_id: str) -> None:
    """Copies no current route writes with a name in them, but which older payload versions,
    other integrations or receivers' answers can leave: an event payload, a webhook delivery
    (body and the receiver's answer) and a notification."""
    payload = {"id": candidate_id, "full_name": CANDIDATE_NAME, "email": EMAIL, "phone": PHONE}
    async with runtime.db.unit_of_work(write=True) as session:
        event = Event(
            type="candidate.updated",
            subject_type="candidate",
            subject_id=candidate_id,
            payload=payload,
        )
        subscription = WebhookSubscription(
            url="https://ats.example.com/hooks/tandem",
            event_types=["candidate.*"],
            secret_encrypted="not-used-here",
        )
        session.add_all([event, subscription])
        await session.flush()
        session.add(
            WebhookDelivery(
                subscription_id=subscription.id,
                event_id=event.id,
                event_type=event.type,
                body={"id": str(event.id), "type": event.type, "data": payload},
                status=DeliveryStatus.DELIVERED,
                response_status=200,
                response_body=f"thanks, updated {CANDIDATE_NAME} <{EMAIL}>",
            )
        )
        session.add(
            Notification(
                user_id=recipient.id,
                kind="candidate_mentioned",
                title=f"{CANDIDATE_NAME} was mentioned",
                body=f"Call {CANDIDATE_NAME} on {PHONE}.",
                subject_type="candidate",
                subject_id=uuid.UUID(candidate_id),
            )
        )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def stored_files(runtime: Runtime) -> set[str]:
    """The files under the storage directory now (relative paths)."""
    root = Path(runtime.settings.resolved_storage_dir)
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


async def find_personal_data(
    runtime: Runtime, needles: list[str], *, ignore_files: frozenset[str] | set[str] = frozenset()
) -> list[str]:
    """Where any needle still is: `table.column` for every row of every table (from the
    metadata, so a new table is scanned without a change here), every column that is not
    a number, date or id; and storage files by path."""
    found = []
    lowered = [n.lower() for n in needles]
    async with runtime.db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = await conn.execute(select(table))
            for row in rows.mappings():
                for column in table.columns:
                    value = row[column]
                    if isinstance(value, str | bytes | dict | list) or isinstance(
                        column.type, LargeBinary
                    ):
                        text = _text(value).lower()
                        found += [f"{table.name}.{column.name}" for n in lowered if n in text]
    found += _files_holding(Path(runtime.settings.resolved_storage_dir), lowered, ignore_files)
    return sorted(set(found))


def _files_holding(
    storage_dir: Path, needles: list[str], ignore: frozenset[str] | set[str]
) -> list[str]:
    found = []
    for path in storage_dir.rglob("*") if storage_dir.exists() else []:
        if path.is_file() and str(path.relative_to(storage_dir)) not in ignore:
            content = path.read_bytes().decode("utf-8", errors="replace").lower()
            found += [f"file {path.relative_to(storage_dir)}" for n in needles if n in content]
    return found


async def snapshot(runtime: Runtime) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every row of every table by primary key."""
    tables: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
    async with runtime.db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            keys = list(table.primary_key.columns)
            rows = (await conn.execute(select(table))).mappings()
            tables[table.name] = {tuple(r[k] for k in keys): dict(r) for r in rows}
    return tables


def changed(
    before: dict[str, dict[tuple[Any, ...], dict[str, Any]]],
    after: dict[str, dict[tuple[Any, ...], dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Per table, the rows that were there before and were deleted or changed since."""
    report = []
    for name, rows in before.items():
        gone = [k for k in rows if k not in after[name]]
        altered = [k for k in rows if k in after[name] and after[name][k] != rows[k]]
        if gone:
            report.append({"table": name, "action": "delete", "rows": len(gone)})
        if altered:
            report.append({"table": name, "action": "anonymise", "rows": len(altered)})
    return report
