"""Recordings: consent first, the bytes sniffed (not the header trusted), streamed to storage,
downloaded whole or by byte range, deleted on request or by the retention job, every read
audited, reachable by the intake's recruiter and HM and the interview's panel only."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.roles import Role
from app.models.base import table_of
from app.models.platform import Event
from app.models.transcripts import Recording
from app.platform.runtime import Runtime
from app.worker import Worker
from tests.support.harness import MakeApiKey, MakeUser, ManualClock, asgi_client
from tests.support.intakes import act
from tests.support.s3 import S3Server, new_bucket
from tests.support.transcripts import (
    audit_actions,
    consent_body,
    give_consent,
    held_interview,
    upload_recording,
    wav_bytes,
)


async def recordings_of(runtime: Runtime, interview_id: str) -> list[Recording]:
    async with runtime.db.unit_of_work(write=False) as session:
        rows = await session.execute(
            select(Recording).where(table_of(Recording).c.interview_id == uuid.UUID(interview_id))
        )
        return list(rows.scalars())


def stored_files(runtime: Runtime, interview_id: str) -> list[str]:
    root = runtime.settings.resolved_storage_dir / "recordings" / interview_id
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


async def test_upload_needs_the_candidates_consent(client, make_user: MakeUser, runtime: Runtime):
    held = await held_interview(client, make_user, runtime)
    recruiter = held.setting.recruiter
    refused = await upload_recording(client, recruiter, held, wav_bytes())
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["code"] == "consent_required"
    assert await recordings_of(runtime, held.id) == []

    consent = await give_consent(client, recruiter, held)
    assert consent["method"] == "verbal"
    assert consent["text_version"] == "recording-consent-2026-01"
    assert consent["recorded_by_id"] == str(recruiter.id)
    assert consent["candidate_id"] == held.setting.candidate_id
    stored = await upload_recording(client, recruiter, held, wav_bytes())
    assert stored.status_code == 201, stored.text
    assert stored.json()["media_type"] == "audio/x-wav"
    assert stored.json()["consent_id"] == consent["id"]


async def test_consent_is_validated(client, make_user: MakeUser, runtime: Runtime):
    held = await held_interview(client, make_user, runtime)
    for bad in (
        consent_body(method="telepathy"),
        consent_body(given_at="2026-01-01T10:00:00"),  # no time zone
        consent_body(text_version=""),
    ):
        response = await act(
            client, held.setting.recruiter, "POST", f"{held.url}/recording-consent", json=bad
        )
        assert response.status_code == 422, bad


async def test_download_whole_and_by_range_and_the_header_is_not_trusted(
    client, make_user: MakeUser, runtime: Runtime
):
    held = await held_interview(client, make_user, runtime)
    lead = held.setting.lead
    await give_consent(client, held.setting.recruiter, held)
    media = wav_bytes(2.0)
    # Sent as video/mp4, but the bytes are a WAV file: the bytes win.
    stored = await upload_recording(client, lead, held, media, content_type="video/mp4")
    assert stored.status_code == 201, stored.text
    assert stored.json()["size_bytes"] == len(media)
    whole = await act(client, lead, "GET", f"{held.url}/recording")
    assert whole.status_code == 200
    assert whole.content == media
    assert whole.headers["content-type"] == "audio/x-wav"
    assert whole.headers["accept-ranges"] == "bytes"
    part = await act(
        client, lead, "GET", f"{held.url}/recording", headers={"Range": "bytes=100-199"}
    )
    assert part.status_code == 206
    assert part.content == media[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(media)}"
    tail = await act(client, lead, "GET", f"{held.url}/recording", headers={"Range": "bytes=-10"})
    assert (tail.status_code, tail.content) == (206, media[-10:])
    open_end = await act(
        client, lead, "GET", f"{held.url}/recording", headers={"Range": f"bytes={len(media) - 3}-"}
    )
    assert (open_end.status_code, open_end.content) == (206, media[-3:])
    beyond = await act(
        client, lead, "GET", f"{held.url}/recording", headers={"Range": f"bytes={len(media)}-"}
    )
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(media)}"


async def test_files_that_are_not_audio_or_video_are_refused_and_nothing_is_kept(
    client, make_user: MakeUser, runtime: Runtime
):
    held = await held_interview(client, make_user, runtime)
    await give_consent(client, held.setting.recruiter, held)
    for content in (b"%PDF-1.7\n" + bytes(5000), b"just some text " * 100, b""):
        response = await upload_recording(client, held.setting.recruiter, held, content)
        assert response.status_code == 422, response.text
    assert await recordings_of(runtime, held.id) == []
    assert stored_files(runtime, held.id) == []


async def test_one_recording_at_a_time_and_delete_keeps_the_record(
    client, make_user: MakeUser, runtime: Runtime
):
    held = await held_interview(client, make_user, runtime)
    recruiter = held.setting.recruiter
    await give_consent(client, recruiter, held)
    first = await upload_recording(client, recruiter, held, wav_bytes())
    assert first.status_code == 201
    again = await upload_recording(client, recruiter, held, wav_bytes())
    assert again.status_code == 409
    deleted = await act(client, recruiter, "DELETE", f"{held.url}/recording")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["status"] == "deleted"
    assert deleted.json()["deletion_reason"] == "request"
    assert (await act(client, recruiter, "GET", f"{held.url}/recording")).status_code == 404
    assert stored_files(runtime, held.id) == []
    [row] = await recordings_of(runtime, held.id)
    assert (row.status, row.storage_key, row.deleted_by_id) == ("deleted", None, recruiter.id)
    assert (await upload_recording(client, recruiter, held, wav_bytes())).status_code == 201


async def test_the_retention_job_deletes_media_when_its_date_passes(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    held = await held_interview(client, make_user, runtime)
    await give_consent(client, held.setting.recruiter, held)
    stored = await upload_recording(client, held.setting.recruiter, held, wav_bytes())
    assert stored.status_code == 201
    retain_until = stored.json()["retain_until"]
    assert retain_until.startswith((manual_clock.now + timedelta(days=180)).date().isoformat())
    manual_clock.advance(179 * 86400)
    await Worker(runtime).run_until_idle()
    assert (await recordings_of(runtime, held.id))[0].status == "stored"
    manual_clock.advance(2 * 86400)
    await Worker(runtime).run_until_idle()
    [row] = await recordings_of(runtime, held.id)
    assert (row.status, row.deletion_reason) == ("deleted", "retention")
    assert stored_files(runtime, held.id) == []
    events = table_of(Event).c
    async with runtime.db.unit_of_work(write=False) as session:
        types = (
            await session.execute(
                select(events.type)
                .where(events.subject_id == str(row.id))
                .order_by(events.occurred_at, events.id)
            )
        ).scalars()
        assert list(types) == ["recording.uploaded", "recording.deleted"]
    assert "recording.deleted" in await audit_actions(runtime, str(row.id))


async def test_access_panel_and_decision_makers_only_and_every_read_audited(
    client, make_user: MakeUser, runtime: Runtime, make_api_key: MakeApiKey
):
    held = await held_interview(client, make_user, runtime)
    setting = held.setting
    await give_consent(client, setting.recruiter, held)
    stored = await upload_recording(client, setting.recruiter, held, wav_bytes())
    outsider_recruiter = await make_user(Role.RECRUITER)
    reader = await make_api_key("interviews:read")
    for actor in (setting.recruiter, setting.manager, setting.lead, setting.second):
        response = await act(client, actor, "GET", f"{held.url}/recording")
        assert response.status_code == 200, actor.user.role
    # The trainee is on the intake's team as an interviewer but not on this panel.
    for actor in (setting.trainee, outsider_recruiter):
        for method in ("GET", "DELETE"):
            response = await act(client, actor, method, f"{held.url}/recording")
            assert response.status_code == 404, (actor.user.role, method)
        consent = await act(
            client, actor, "POST", f"{held.url}/recording-consent", json=consent_body()
        )
        assert consent.status_code == 404
    assert (await client.get(f"{held.url}/recording", headers=reader.headers())).status_code == 200
    no_scope = await make_api_key("candidates:read")
    assert (
        await client.get(f"{held.url}/recording", headers=no_scope.headers())
    ).status_code == 403
    actions = await audit_actions(runtime, stored.json()["id"])
    assert actions.count("recording.read") == 5


async def test_uploads_over_the_limit_are_refused(make_app, make_user: MakeUser, client, runtime):
    held = await held_interview(client, make_user, runtime)
    await give_consent(client, held.setting.recruiter, held)
    small = await make_app(recording_max_bytes=4096)
    async with asgi_client(small) as http:
        response = await upload_recording(http, held.setting.recruiter, held, wav_bytes(2.0))
    assert response.status_code == 413
    assert await recordings_of(runtime, held.id) == []


async def test_recordings_on_the_s3_backend(
    make_app, make_user: MakeUser, client, runtime: Runtime, s3: S3Server
):
    held = await held_interview(client, make_user, runtime)
    await give_consent(client, held.setting.recruiter, held)
    on_s3 = await make_app(**s3.settings(new_bucket(s3)))
    media = wav_bytes(1.0)
    async with asgi_client(on_s3) as http:
        stored = await upload_recording(http, held.setting.lead, held, media)
        assert stored.status_code == 201, stored.text
        part = await act(
            http, held.setting.lead, "GET", f"{held.url}/recording", headers={"Range": "bytes=0-43"}
        )
        assert (part.status_code, part.content) == (206, media[:44])
        assert (
            await act(http, held.setting.lead, "DELETE", f"{held.url}/recording")
        ).status_code == 200
    [row] = await recordings_of(runtime, held.id)
    assert (row.storage_backend, row.status) == ("s3", "deleted")


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
async def test_the_upload_must_be_multipart(client, make_user, runtime, content_type):
    held = await held_interview(client, make_user, runtime)
    await give_consent(client, held.setting.recruiter, held)
    response = await act(
        client,
        held.setting.recruiter,
        "POST",
        f"{held.url}/recording",
        content=wav_bytes(),
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 415
