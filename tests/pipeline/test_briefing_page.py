"""The candidate's briefing reads like a real organisation's: the company, the interview's
date and time in the invitation's time zone, a contact person, the people on the panel
(the hiring manager's bio told once), and the current step of the process marked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
from sqlalchemy import text

from app.platform.runtime import Runtime
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import act
from tests.support.interviews import panel_setting, schedule
from tests.support.pipeline import APPLICATIONS, applied, pipeline

ORGANISATION = {
    "name": "Harbour Payments",
    "logo_url": "https://harbourpayments.example/logo.svg",
    "website_url": "https://harbourpayments.example/",
    "careers_contact_name": "Talent team",
    "careers_email": "careers@harbourpayments.example",
}
HM_BIO = "Twelve years building payment systems, six of them leading teams."
# 13:00 UTC on a Tuesday in March 2030: 08:00 in New York (EST, before the clocks change).
STARTS = datetime(2030, 3, 5, 13, 0, tzinfo=UTC)


async def briefing(client: httpx.AsyncClient, actor: Actor, app_id: str, stage: str, accept: str):
    return await act(
        client,
        actor,
        "GET",
        f"{APPLICATIONS}/{app_id}/briefing",
        params={"stage": stage},
        headers={"Accept": accept},
    )


async def test_a_booked_interview_briefing_names_company_time_contact_and_step(
    client, make_user: MakeUser, runtime: Runtime, admin: Actor
):
    setting = await panel_setting(client, make_user, runtime)
    put = await client.put(
        "/api/v1/organisation", headers={**admin.headers, "If-Match": '"0"'}, json=ORGANISATION
    )
    assert put.status_code == 200, put.text
    profile_url = f"/api/v1/users/{setting.manager.id}/hm-profile"
    hm = await act(
        client,
        setting.manager,
        "PUT",
        profile_url,
        headers={"If-Match": '"0"'},
        json={"headline": "Engineering manager", "bio": HM_BIO},
    )
    assert hm.status_code == 200, hm.text
    booked = await schedule(
        client,
        setting.recruiter,
        setting.application_id,
        setting.hm_stage,
        STARTS,
        [(setting.manager, "lead"), (setting.lead, "interviewer")],
        minutes=45,
        timezone="America/New_York",
        location="Harbour Payments, Keizersgracht 100, Amsterdam",
    )
    assert booked.status_code == 201, booked.text

    response = await briefing(
        client, setting.recruiter, setting.application_id, setting.hm_stage, "application/json"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["organisation"]["name"] == "Harbour Payments"
    assert body["organisation"]["logo_url"] == ORGANISATION["logo_url"]
    assert body["contact"] == {
        "name": setting.recruiter.user.full_name,
        "email": setting.recruiter.user.email,
    }
    interview = body["stage"]["interview"]
    assert interview["date_text"] == "Tuesday 5 March 2030"
    assert interview["time_text"] == "08:00\u201308:45"
    assert interview["timezone_label"] == "America/New_York, EST"
    assert interview["location"].startswith("Harbour Payments")
    # The panel of the booked interview, not the stage's whole pool.
    met = [(p["name"], p["is_hiring_manager"]) for p in body["stage"]["interviewers"]]
    assert met == [
        (setting.manager.user.full_name, True),
        (setting.lead.user.full_name, False),
    ]
    assert [s["state"] for s in body["process"]] == ["done", "current"]

    page = await briefing(
        client, setting.recruiter, setting.application_id, setting.hm_stage, "text/html"
    )
    html = page.text
    assert "Harbour Payments" in html
    assert 'src="https://harbourpayments.example/logo.svg"' in html
    assert "Tuesday 5 March 2030" in html
    assert "America/New_York, EST" in html
    assert f'href="mailto:{setting.recruiter.user.email}"' in html
    assert html.count(HM_BIO) == 1  # under "Your hiring manager", not again under "You will meet"
    assert "your hiring manager" in html
    assert html.count('aria-current="step"') == 1
    assert "None" not in html

    markdown = await briefing(
        client, setting.recruiter, setting.application_id, setting.hm_stage, "text/markdown"
    )
    text = markdown.text
    assert text.startswith("# Your interview at Harbour Payments: Meet the hiring manager")
    assert "**When:** Tuesday 5 March 2030, 08:00\u201308:45 (America/New\\_York, EST)" in text
    assert text.count(HM_BIO) == 1
    assert "**Meet the hiring manager** (45 minutes) \u2190 this step" in text


async def test_before_anything_is_set_the_page_says_what_comes_next(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime)
    response = await briefing(
        client, setting.recruiter, setting.application_id, setting.technical, "application/json"
    )
    body = response.json()
    assert body["organisation"]["name"] is None
    assert body["stage"]["interview"] is None
    assert [s["state"] for s in body["process"]] == ["current", "upcoming"]
    page = await briefing(
        client, setting.recruiter, setting.application_id, setting.technical, "text/html"
    )
    assert "To be scheduled" in page.text
    assert "None" not in page.text
    assert setting.recruiter.user.email in page.text


async def test_without_a_stage_every_step_is_upcoming(client, make_user: MakeUser):
    setting = await pipeline(client, make_user)
    application = await applied(client, setting)
    response = await act(
        client, setting.recruiter, "GET", f"{APPLICATIONS}/{application['id']}/briefing"
    )
    assert response.status_code == 200, response.text
    assert response.json()["stage"] is None
    assert {s["state"] for s in response.json()["process"]} == {"upcoming"}


async def test_the_public_page_waits_for_a_busy_writer_instead_of_failing(
    client, make_user: MakeUser, runtime: Runtime
):
    """The page counts views, so it writes: it must queue behind another writer (on SQLite a
    read transaction upgraded midway fails at once with "database is locked")."""
    setting = await panel_setting(client, make_user, runtime)
    shared = await act(
        client,
        setting.recruiter,
        "POST",
        f"{APPLICATIONS}/{setting.application_id}/briefing/share",
        json={},
    )
    assert shared.status_code == 201, shared.text
    path = "/p/" + shared.json()["url"].rsplit("/p/", 1)[1]
    async with runtime.db.unit_of_work(write=True) as busy:
        await busy.execute(text("UPDATE users SET updated_at = updated_at"))
        page = asyncio.create_task(client.get(path))
        await asyncio.sleep(0.3)
        if runtime.db.is_sqlite:  # one writer at a time: the page waits for this one
            assert not page.done()
    response = await page
    assert response.status_code == 200, response.text
