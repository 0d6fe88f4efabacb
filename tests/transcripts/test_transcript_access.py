"""Who reaches transcripts, their analysis, evidence, coaching and search: the intake's
recruiters and hiring manager, the interview's panel, admins and integrations; never other
interviewers. Every read is audited; everything stays findable by candidate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.core.roles import Role
from app.models.base import table_of
from app.models.interviews import Evaluation
from app.models.transcripts import Recording, Transcript
from app.platform.runtime import Runtime
from tests.support.harness import MakeApiKey, MakeUser
from tests.support.intakes import act
from tests.support.interviews import another_application, scheduled
from tests.support.pipeline import INTAKES
from tests.support.transcripts import (
    KNOWN_VTT,
    audit_actions,
    give_consent,
    held_interview,
    put_transcript,
    upload_recording,
    wav_bytes,
)

READS = ("transcript", "transcript/analysis", "transcript/evidence", "transcript/coaching")


async def test_panel_and_decision_makers_read_others_get_404(
    client, make_user: MakeUser, runtime: Runtime, make_api_key: MakeApiKey
):
    held = await held_interview(client, make_user, runtime)
    setting = held.setting
    put = await put_transcript(client, setting.lead, held, KNOWN_VTT)
    assert put.status_code == 201, put.text
    transcript_id = put.json()["id"]
    outsider = await make_user(Role.HIRING_MANAGER)
    key = await make_api_key("interviews:read")
    for path in READS:
        for actor in (setting.recruiter, setting.manager, setting.lead, setting.second):
            response = await act(client, actor, "GET", f"{held.url}/{path}")
            assert response.status_code == 200, (path, actor.user.role, response.text)
        for actor in (setting.trainee, outsider):
            response = await act(client, actor, "GET", f"{held.url}/{path}")
            assert response.status_code == 404, (path, actor.user.role)
        assert (await client.get(f"{held.url}/{path}", headers=key.headers())).status_code == 200
    refused = await put_transcript(client, setting.trainee, held, KNOWN_VTT)
    assert refused.status_code == 404
    actions = await audit_actions(runtime, transcript_id)
    assert actions.count("transcript.read") == 5
    assert actions.count("transcript.analysis_read") == 5
    assert actions.count("transcript.evidence_read") == 5
    assert actions.count("transcript.coaching_read") == 5
    assert actions[0] == "transcript.imported"


async def test_recordings_and_transcripts_are_findable_by_candidate(client, make_user, runtime):
    held = await held_interview(client, make_user, runtime)
    await give_consent(client, held.setting.recruiter, held)
    await upload_recording(client, held.setting.recruiter, held, wav_bytes())
    await put_transcript(client, held.setting.recruiter, held, KNOWN_VTT)
    candidate = uuid.UUID(held.setting.candidate_id)
    async with runtime.db.unit_of_work(write=False) as session:
        recordings = (
            await session.execute(
                select(Recording).where(table_of(Recording).c.candidate_id == candidate)
            )
        ).scalars()
        transcripts = (
            await session.execute(
                select(Transcript).where(table_of(Transcript).c.candidate_id == candidate)
            )
        ).scalars()
        assert [str(r.interview_id) for r in recordings] == [held.id]
        assert [str(t.interview_id) for t in transcripts] == [held.id]


async def test_suggested_evidence_on_the_scorecard(client, make_user, runtime):
    held = await held_interview(client, make_user, runtime)
    await put_transcript(client, held.setting.recruiter, held, KNOWN_VTT)
    async with runtime.db.unit_of_work(write=False) as session:
        rows = (
            await session.execute(
                select(Evaluation).where(table_of(Evaluation).c.interview_id == uuid.UUID(held.id))
            )
        ).scalars()
        by_person = {e.interviewer_id: str(e.id) for e in rows}
    lead_evaluation = by_person[held.setting.lead.id]
    url = f"/api/v1/evaluations/{lead_evaluation}/suggested-evidence"
    response = await act(client, held.setting.lead, "GET", url)
    assert response.status_code == 200, response.text
    body = response.json()
    design, coding, _ = held.setting.competency_ids
    assert [c["competency_id"] for c in body["competencies"]] == [design, coding]
    assert body["competencies"][0]["passages"][0]["segments"] == [1]
    assert body["engine"] == "lexical"
    assert (await act(client, held.setting.trainee, "GET", url)).status_code == 404
    # The scorecard itself is untouched: suggestions only.
    scorecard = await act(
        client, held.setting.lead, "GET", f"/api/v1/evaluations/{lead_evaluation}"
    )
    assert all(r.get("notes") in (None, "") for r in scorecard.json()["ratings"])


async def test_search_across_an_intakes_transcripts(client, make_user, runtime):
    held = await held_interview(client, make_user, runtime)
    setting = held.setting
    await put_transcript(client, setting.recruiter, held, KNOWN_VTT)
    other_application = await another_application(client, setting)
    # The trainee sits on the second interview only.
    other = await scheduled(
        client,
        setting,
        datetime.now(UTC) - timedelta(hours=1),
        [(setting.lead, "lead"), (setting.trainee, "shadow")],
        application_id=other_application,
    )
    other_vtt = (
        "WEBVTT\n\n00:00.000 --> 00:05.000\n"
        "Jane Doe: Which database would you use for a ledger?\n\n"
        "00:05.000 --> 00:09.000\nGrace Hopper: A relational database, for the transactions.\n"
    )
    assert (
        await put_transcript(client, setting.recruiter, held.__class__(setting, other), other_vtt)
    ).status_code == 201
    url = f"{INTAKES}/{setting.intake_id}/transcripts/search"
    found = await act(client, setting.manager, "GET", url, params={"q": "relational DATABASE"})
    assert found.status_code == 200, found.text
    hits = found.json()["data"]
    assert [(h["interview_id"], h["position"]) for h in hits] == [(held.id, 2), (other["id"], 1)]
    assert hits[0]["snippet"] == "Did you use a «relational» «database»?"
    assert hits[0]["candidate_id"] == setting.candidate_id
    assert hits[0]["start"] == 39.0
    # The trainee sees only the interview they sat on.
    mine = await act(client, setting.trainee, "GET", url, params={"q": "database"})
    assert {h["interview_id"] for h in mine.json()["data"]} == {other["id"]}
    outsider = await make_user(Role.INTERVIEWER)
    assert (await act(client, outsider, "GET", url, params={"q": "database"})).status_code == 404
    assert (await act(client, setting.manager, "GET", url, params={"q": "%%"})).status_code == 422
    none = await act(client, setting.manager, "GET", url, params={"q": "100%_sure"})
    assert none.json()["data"] == []
    paged = await act(client, setting.manager, "GET", url, params={"q": "database", "limit": 1})
    assert paged.json()["has_more"] is True
    assert "transcripts.searched" in await audit_actions(runtime, setting.intake_id)
