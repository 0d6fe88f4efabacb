"""Coaching: per interview for each interviewer (what went well, what to improve, with the
numbers and their segments) and per interviewer over time with trends and training stages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.core.roles import Role
from app.platform.runtime import Runtime
from tests.support.harness import MakeUser
from tests.support.intakes import act
from tests.support.interviews import another_application, scheduled
from tests.support.transcripts import KNOWN_VTT, Held, held_interview, put_transcript

GOOD_VTT = """WEBVTT

00:00.000 --> 00:05.000
Jane Doe: How would you design a ledger?

00:05.000 --> 01:05.000
Ada Lovelace: I would start from double-entry bookkeeping, with every transfer as two entries.
"""


async def test_report_per_interview(client, make_user: MakeUser, runtime: Runtime):
    held = await held_interview(client, make_user, runtime)
    await put_transcript(client, held.setting.recruiter, held, KNOWN_VTT)
    response = await act(client, held.setting.lead, "GET", f"{held.url}/transcript/coaching")
    assert response.status_code == 200, response.text
    people = {p["user_id"]: p for p in response.json()["interviewers"]}
    lead = people[str(held.setting.lead.id)]
    improve = {p["code"]: p for p in lead["to_improve"]}
    assert set(improve) == {"risky_topic.age", "risky_topic.family_status"}
    assert improve["risky_topic.age"]["segments"] == [4]
    assert "01:15" in improve["risky_topic.age"]["message"]
    well = {p["code"]: p for p in lead["went_well"]}
    assert well["candidate_talk_share"]["value"] == round(70 / 102, 4)
    assert well["plan_coverage"]["value"] == 1.0
    assert well["plan_coverage"]["segments"] == [0]
    second = people[str(held.setting.second.id)]
    assert {p["code"] for p in second["went_well"]} >= {"no_risky_topics"}
    assert second["to_improve"] == []


async def test_coaching_over_time_with_trends_and_training(client, make_user, runtime):
    now = datetime.now(UTC)
    earlier = await held_interview(client, make_user, runtime, starts=now - timedelta(days=20))
    setting = earlier.setting
    await put_transcript(client, setting.recruiter, earlier, KNOWN_VTT)
    application = await another_application(client, setting)
    later = Held(
        setting,
        await scheduled(client, setting, now - timedelta(days=2), application_id=application),
    )
    await put_transcript(client, setting.recruiter, later, GOOD_VTT)
    url = f"/api/v1/insights/interviewers/{setting.lead.id}/coaching"
    response = await act(client, setting.lead, "GET", url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [i["interview_id"] for i in body["interviews"]] == [earlier.id, later.id]
    assert [i["flagged_topics"] for i in body["interviews"]] == [2, 0]
    assert body["interviews"][0]["talk_share"] == round(25 / 102, 4)
    assert body["interviews"][1]["talk_share"] == round(5 / 65, 4)
    trends = {t["metric"]: t for t in body["trends"]}
    assert trends["flagged_topics"] == {
        "metric": "flagged_topics",
        "earlier": 2.0,
        "recent": 0.0,
        "change": -2.0,
    }
    assert body["totals"]["interviews"] == 2
    assert body["totals"]["flagged_topics"] == 2
    [stage] = [t for t in body["training"] if t["stage_id"] == setting.technical]
    assert (stage["state"], stage["interviews"], stage["mean_plan_coverage"]) == (
        "qualified",
        2,
        1.0,
    )
    ranged = await act(
        client, setting.lead, "GET", url, params={"since": (now - timedelta(days=5)).isoformat()}
    )
    assert [i["interview_id"] for i in ranged.json()["interviews"]] == [later.id]


async def test_who_sees_an_interviewers_coaching(client, make_user, runtime, admin):
    held = await held_interview(client, make_user, runtime)
    await put_transcript(client, held.setting.recruiter, held, KNOWN_VTT)
    url = f"/api/v1/insights/interviewers/{held.setting.lead.id}/coaching"
    for actor in (held.setting.lead, held.setting.manager, held.setting.recruiter, admin):
        response = await act(client, actor, "GET", url)
        assert response.status_code == 200, actor.user.role
        assert len(response.json()["interviews"]) == 1
    outsider = await make_user(Role.HIRING_MANAGER)
    for actor in (held.setting.trainee, outsider):
        assert (await act(client, actor, "GET", url)).status_code == 404
    unknown = "/api/v1/insights/interviewers/0190c8a4-7d7e-7000-8000-000000000000/coaching"
    assert (await act(client, admin, "GET", unknown)).status_code == 404
