"""Shared set-up for the recording and transcript tests: an interview with a panel, consent,
small real media files, and transcript uploads."""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from app.models.base import table_of
from app.models.identity import AuditEvent, User
from app.platform.runtime import Runtime
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import act
from tests.support.interviews import INTERVIEWS, PanelSetting, panel_setting, scheduled


@dataclass
class Held:
    """An interview held an hour ago with the lead and the second interviewer on the panel."""

    setting: PanelSetting
    interview: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.interview["id"])

    @property
    def url(self) -> str:
        return f"{INTERVIEWS}/{self.id}"


LEAD_NAME, SECOND_NAME, CANDIDATE_NAME = "Jane Doe", "Sam Lee", "Ada Lovelace"


async def rename(runtime: Runtime, actor: Actor, full_name: str) -> None:
    async with runtime.db.unit_of_work(write=True) as session:
        await session.execute(
            update(User).where(table_of(User).c.id == actor.id).values(full_name=full_name)
        )
    actor.user.full_name = full_name


async def held_interview(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    runtime: Runtime,
    *,
    starts: datetime | None = None,
    **options: Any,
) -> Held:
    """The lead is Jane Doe, the second interviewer Sam Lee, the candidate Ada Lovelace."""
    setting = await panel_setting(client, make_user, runtime, **options)
    await rename(runtime, setting.lead, LEAD_NAME)
    await rename(runtime, setting.second, SECOND_NAME)
    interview = await scheduled(client, setting, starts or datetime.now(UTC) - timedelta(hours=2))
    return Held(setting, interview)


def consent_body(**changes: Any) -> dict[str, Any]:
    return {
        "given_by": "Ada Lovelace",
        "given_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "method": "verbal",
        "text_version": "recording-consent-2026-01",
        **changes,
    }


async def give_consent(client: httpx.AsyncClient, actor: Actor, held: Held) -> dict[str, Any]:
    response = await act(
        client, actor, "POST", f"{held.url}/recording-consent", json=consent_body()
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def wav_bytes(seconds: float = 0.5, rate: int = 8000) -> bytes:
    """A real (silent) WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(bytes(int(seconds * rate) * 2))
    return out.getvalue()


async def upload_recording(
    client: httpx.AsyncClient,
    actor: Actor,
    held: Held,
    content: bytes,
    *,
    name: str = "interview.wav",
    content_type: str = "audio/wav",
) -> httpx.Response:
    return await act(
        client,
        actor,
        "POST",
        f"{held.url}/recording",
        files={"file": (name, content, content_type)},
    )


async def put_transcript(
    client: httpx.AsyncClient,
    actor: Actor,
    held: Held,
    content: str | bytes,
    media_type: str = "text/vtt",
) -> httpx.Response:
    body = content.encode() if isinstance(content, str) else content
    return await act(
        client,
        actor,
        "PUT",
        f"{held.url}/transcript",
        content=body,
        headers={"Content-Type": media_type},
    )


async def audit_actions(runtime: Runtime, object_id: str | None = None) -> list[str]:
    """The audit trail's actions (read entries flushed first), oldest first."""
    await runtime.read_audit.flush()
    audit = table_of(AuditEvent).c
    query = select(audit.action).order_by(audit.id)
    if object_id is not None:
        query = query.where(audit.object_id == object_id)
    async with runtime.db.unit_of_work(write=False) as session:
        return [str(a) for a in (await session.execute(query)).scalars()]


# A hand-made interview with known answers (see tests/transcripts/test_analysis.py).
KNOWN_VTT = """WEBVTT

1
00:00.000 --> 00:10.000
Jane Doe: Welcome, thanks for joining. Tell me about a ledger you designed.

2
00:10.000 --> 00:40.000
Ada Lovelace: I designed a double-entry ledger for payments.
Every transaction writes two entries that balance.

3
00:39.000 --> 00:45.000
Sam Lee: Did you use a relational database?

4
00:45.000 --> 01:15.000
Ada Lovelace: Yes, PostgreSQL with serializable transactions and idempotency keys.

5
01:15.000 --> 01:20.000
Jane Doe: How old are you, by the way?

6
01:20.000 --> 01:30.000
Ada Lovelace: I would rather not say.

7
01:30.000 --> 01:40.000
Jane Doe: Are you married?

8
01:40.000 --> 01:41.000
Speaker 3: Thanks everyone.
"""
