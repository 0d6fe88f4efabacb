"""After scheduling: reschedule (the calendar event keeps its UID, evaluations move), cancel,
complete (trainees' shadowing counted), no-show, and the iCalendar export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar

from app.platform.runtime import Runtime
from tests.support.candidates import subject_events
from tests.support.harness import MakeUser
from tests.support.intakes import act
from tests.support.interviews import (
    EVALUATIONS,
    INTERVIEWS,
    PanelSetting,
    hours_from_now,
    panel_setting,
    scheduled,
)


async def evaluations_of(client, setting: PanelSetting, interview_id: str) -> list[dict[str, Any]]:
    response = await act(
        client, setting.recruiter, "GET", EVALUATIONS, params={"interview_id": interview_id}
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


async def calendar_of(client, actor, interview_id: str) -> Any:
    """The one VEVENT of the interview's calendar file, with the file's METHOD attached."""
    response = await act(client, actor, "GET", f"{INTERVIEWS}/{interview_id}/calendar.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event: Any = events[0]
    event.calendar_method = str(calendar["METHOD"])
    return event


async def test_the_calendar_invitation_parses_and_names_everyone(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime)
    starts = datetime(2031, 3, 4, 13, 0, tzinfo=UTC)
    interview = await scheduled(
        client,
        setting,
        starts,
        [(setting.lead, "lead"), (setting.trainee, "shadow")],
        timezone="Europe/Amsterdam",
        location="Keizersgracht 1, Amsterdam",
        video_url="https://meet.example.com/room-7",
    )
    event = await calendar_of(client, setting.lead, interview["id"])
    assert event.calendar_method == "REQUEST"
    assert str(event["UID"]) == f"interview-{interview['id']}@tandem"
    assert int(event["SEQUENCE"]) == 0
    assert event["STATUS"] == "CONFIRMED"
    start = event.decoded("DTSTART")
    # Shown in the interview's own zone, the same instant as stored.
    assert str(start.tzinfo) == "Europe/Amsterdam"
    assert start.hour == 14  # 13:00 UTC is 14:00 in Amsterdam in March
    assert start == starts
    assert event.decoded("DTEND") - start == timedelta(hours=1)
    assert str(event["LOCATION"]) == "Keizersgracht 1, Amsterdam"
    assert str(event["URL"]) == "https://meet.example.com/room-7"
    assert "Ada Lovelace" in str(event["SUMMARY"])
    assert "Technical interview" in str(event["SUMMARY"])
    assert f"/stages/{setting.technical}/kit" in str(event["DESCRIPTION"])
    organizer = event["ORGANIZER"]
    assert str(organizer).lower() == f"mailto:{setting.recruiter.user.email}".lower()
    attendees = {str(a).lower(): a.params for a in event["ATTENDEE"]}
    assert attendees[f"mailto:{setting.lead.user.email}".lower()]["ROLE"] == "CHAIR"
    assert attendees[f"mailto:{setting.trainee.user.email}".lower()]["ROLE"] == "OPT-PARTICIPANT"
    # The invitation carries the time zone definition it refers to.
    response = await act(
        client, setting.lead, "GET", f"{INTERVIEWS}/{interview['id']}/calendar.ics"
    )
    assert b"BEGIN:VTIMEZONE" in response.content
    assert b"TZID:Europe/Amsterdam" in response.content


async def test_rescheduling_keeps_the_uid_bumps_the_sequence_and_moves_evaluations(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime, feedback_sla_hours=24)
    starts = hours_from_now(48).replace(microsecond=0)
    interview = await scheduled(client, setting, starts)
    before = await calendar_of(client, setting.recruiter, interview["id"])

    later = starts + timedelta(days=2)
    response = await act(
        client,
        setting.recruiter,
        "POST",
        f"{INTERVIEWS}/{interview['id']}/reschedule",
        json={
            "starts_at": later.isoformat(),
            "ends_at": (later + timedelta(minutes=45)).isoformat(),
            "location": "Room 4",
            "reason": "The lead is travelling",
        },
    )
    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["sequence"] == 1
    assert moved["location"] == "Room 4"
    assert moved["interviewers"] == interview["interviewers"]

    after = await calendar_of(client, setting.recruiter, interview["id"])
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) == 1
    assert after.decoded("DTSTART") == later

    for evaluation in await evaluations_of(client, setting, interview["id"]):
        assert datetime.fromisoformat(evaluation["due_at"]) == later + timedelta(
            minutes=45, hours=24
        )
    types = [t for t, _ in await subject_events(runtime, interview["id"])]
    assert types == ["interview.scheduled", "interview.rescheduled"]
    (_, payload) = (await subject_events(runtime, interview["id"]))[1]
    assert payload["reason"] == "The lead is travelling"
    assert payload["previous"]["starts_at"].startswith(starts.strftime("%Y-%m-%dT%H:%M"))


async def test_rescheduling_with_a_new_panel_rechecks_it_and_moves_evaluations_with_people(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime)
    starts = hours_from_now(48)
    interview = await scheduled(client, setting, starts)
    url = f"{INTERVIEWS}/{interview['id']}/reschedule"
    times = {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=1)).isoformat()}
    # The new lead is not qualified: the override is needed again.
    refused = await act(
        client,
        setting.recruiter,
        "POST",
        url,
        json={**times, "interviewers": [{"user_id": str(setting.second.id), "role": "lead"}]},
    )
    assert refused.status_code == 422, refused.text
    response = await act(
        client,
        setting.recruiter,
        "POST",
        url,
        json={
            **times,
            "interviewers": [
                {"user_id": str(setting.lead.id), "role": "lead"},
                {"user_id": str(setting.trainee.id), "role": "interviewer"},
            ],
        },
    )
    assert response.status_code == 200, response.text
    by_person = {
        e["interviewer_id"]: e["status"]
        for e in await evaluations_of(client, setting, interview["id"])
    }
    assert by_person == {
        str(setting.lead.id): "pending",
        str(setting.second.id): "cancelled",  # left the panel
        str(setting.trainee.id): "pending",  # joined it
    }


async def test_cancelling_frees_the_slot_cancels_evaluations_and_the_invitation(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime)
    interview = await scheduled(client, setting, hours_from_now(48))
    url = f"{INTERVIEWS}/{interview['id']}"
    missing_reason = await act(client, setting.recruiter, "POST", f"{url}/cancel", json={})
    assert missing_reason.status_code == 422
    response = await act(
        client, setting.recruiter, "POST", f"{url}/cancel", json={"reason": "Role paused"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "Role paused"
    assert {e["status"] for e in await evaluations_of(client, setting, interview["id"])} == {
        "cancelled"
    }
    event = await calendar_of(client, setting.lead, interview["id"])
    assert event.calendar_method == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
    # A cancelled interview cannot be rescheduled, cancelled again or completed.
    for action, body in (
        ("reschedule", {"starts_at": interview["starts_at"], "ends_at": interview["ends_at"]}),
        ("cancel", {"reason": "again"}),
        ("complete", None),
        ("no-show", None),
    ):
        again = await act(client, setting.recruiter, "POST", f"{url}/{action}", json=body)
        assert again.status_code == 409, (action, again.text)
        assert again.json()["current_status"] == "cancelled"


async def test_completing_counts_shadow_and_reverse_shadow_on_training_records(
    client, make_user: MakeUser, runtime: Runtime, manual_clock
):
    setting = await panel_setting(client, make_user, runtime)
    starts = manual_clock.now + timedelta(hours=1)
    interview = await scheduled(
        client, setting, starts, [(setting.lead, "lead"), (setting.trainee, "shadow")]
    )
    url = f"{INTERVIEWS}/{interview['id']}"
    early = await act(client, setting.lead, "POST", f"{url}/complete")
    assert early.status_code == 409, early.text  # it has not started yet
    manual_clock.advance(2 * 3600)
    # Someone who is not on the panel and does not run the pipeline may not complete it.
    outsider = await act(client, setting.second, "POST", f"{url}/complete")
    assert outsider.status_code == 404, outsider.text
    done = await act(client, setting.lead, "POST", f"{url}/complete")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    assert done.json()["completed_at"] is not None

    records = await act(
        client,
        setting.recruiter,
        "GET",
        "/api/v1/training",
        params={"user_id": str(setting.trainee.id), "plan_id": setting.plan["id"]},
    )
    record = records.json()["data"][0]
    assert record["shadow_count"] == 1
    assert record["state"] == "studied"  # two shadows are required by default
    (_, completed) = (await subject_events(runtime, interview["id"]))[-1]
    assert completed["training_updates"][0]["shadow_count"] == 1

    # A second shadowed interview moves the trainee on; then a reverse shadow counts too.
    for role in ("shadow", "reverse_shadow"):
        manual_clock.advance(3600)
        nxt = await scheduled(
            client,
            setting,
            manual_clock.now + timedelta(minutes=5),
            [(setting.lead, "lead"), (setting.trainee, role)],
        )
        manual_clock.advance(3 * 3600)
        ok = await act(client, setting.recruiter, "POST", f"{INTERVIEWS}/{nxt['id']}/complete")
        assert ok.status_code == 200, ok.text
    records = await act(
        client,
        setting.recruiter,
        "GET",
        "/api/v1/training",
        params={"user_id": str(setting.trainee.id), "plan_id": setting.plan["id"]},
    )
    record = records.json()["data"][0]
    assert (record["shadow_count"], record["reverse_shadow_count"]) == (2, 1)
    assert record["state"] == "reverse_shadowed"


async def test_a_no_show_cancels_the_evaluations(
    client, make_user: MakeUser, runtime: Runtime, manual_clock
):
    setting = await panel_setting(client, make_user, runtime)
    interview = await scheduled(client, setting, manual_clock.now - timedelta(hours=2))
    response = await act(client, setting.lead, "POST", f"{INTERVIEWS}/{interview['id']}/no-show")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "no_show"
    assert {e["status"] for e in await evaluations_of(client, setting, interview["id"])} == {
        "cancelled"
    }
    types = [t for t, _ in await subject_events(runtime, interview["id"])]
    assert types == ["interview.scheduled", "interview.no_show"]
