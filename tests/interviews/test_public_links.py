"""Absolute URLs (a briefing's share link, the kit link in a calendar invitation) start with
`TANDEM_PUBLIC_BASE_URL`, whatever `Host` header the request carried."""

from __future__ import annotations

import icalendar

from app.platform.runtime import Runtime
from tests.support.harness import MakeUser, asgi_client
from tests.support.intakes import act
from tests.support.interviews import INTERVIEWS, hours_from_now, panel_setting, scheduled
from tests.support.pipeline import APPLICATIONS

BASE = "https://tandem.example.com/hiring"
EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


async def test_links_follow_the_configured_base_not_the_host_header(
    make_auth_app, make_user: MakeUser, runtime: Runtime
):
    application = await make_auth_app(public_base_url=BASE + "/")
    async with asgi_client(application) as http:
        setting = await panel_setting(http, make_user, runtime)
        interview = await scheduled(http, setting, hours_from_now(48))
        shared = await act(
            http,
            setting.recruiter,
            "POST",
            f"{APPLICATIONS}/{setting.application_id}/briefing/share",
            json={},
            headers=EVIL,
        )
        assert shared.status_code == 201, shared.text
        assert shared.json()["url"].startswith(f"{BASE}/p/")
        ics = await act(
            http,
            setting.recruiter,
            "GET",
            f"{INTERVIEWS}/{interview['id']}/calendar.ics",
            headers=EVIL,
        )
        assert ics.status_code == 200, ics.text
        event = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
        description = str(event["DESCRIPTION"])
        assert f"Interview kit: {BASE}/api/v1/interview-plans/" in description
        assert "evil.example" not in ics.text
        assert "evil.example" not in shared.text
