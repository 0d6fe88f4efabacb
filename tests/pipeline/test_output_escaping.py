"""Stored text cannot add markup to the Markdown outputs (the candidate's briefing and the
interviewer kit) nor to an invitation: rendered by a real Markdown parser, the injected
`<script>`, heading and link stay text; in `calendar.ics` the summary and description are
plain single-line values."""

from __future__ import annotations

import icalendar
from markdown_it import MarkdownIt

from app.platform.runtime import Runtime
from tests.support.harness import MakeUser
from tests.support.intakes import act
from tests.support.interviews import (
    INTERVIEWS,
    another_application,
    hours_from_now,
    panel_setting,
    scheduled,
)
from tests.support.pipeline import APPLICATIONS, competency
from tests.support.plans import new_plan

SCRIPT = "<script>alert('x')</script>"
LINK = "[phish](https://evil.example)"
NAME = f"Mallory {SCRIPT} {LINK}"
BLOCK = f"Fine start.\n# Injected heading\n{LINK}\n    indented code\n- list item\n{SCRIPT}"


def rendered(markdown: str) -> str:
    """The HTML a CommonMark renderer (with tables and raw HTML allowed) makes of it."""
    html: str = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    return html


def assert_inert(html: str) -> None:
    assert "<script" not in html
    assert 'href="https://evil.example"' not in html
    assert "<h1>Injected" not in html
    assert "<pre><code>indented" not in html


async def test_the_markdown_briefing_keeps_stored_text_as_text(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime)
    profile = f"/api/v1/users/{setting.manager.id}/hm-profile"
    saved = await act(
        client,
        setting.manager,
        "PUT",
        profile,
        headers={"If-Match": '"0"'},
        json={"headline": f"Lead {LINK}", "bio": BLOCK, "working_style": BLOCK},
    )
    assert saved.status_code in (200, 201), saved.text
    application_id = await another_application(client, setting, NAME)
    response = await act(
        client,
        setting.recruiter,
        "GET",
        f"{APPLICATIONS}/{application_id}/briefing",
        params={"stage": setting.hm_stage, "format": "markdown"},
    )
    assert response.status_code == 200, response.text
    html = rendered(response.text)
    assert_inert(html)
    assert "Injected heading" in html  # the text is kept, as text
    assert "Lead [phish](https://evil.example)" in html
    assert "&lt;script&gt;alert" in html


async def test_the_markdown_kit_keeps_stored_text_as_text(client, make_user: MakeUser, runtime):
    setting = await panel_setting(client, make_user, runtime)
    skill = await competency(client, setting.recruiter, f"Skill {SCRIPT}", BLOCK)
    plan = await new_plan(
        client,
        setting.recruiter,
        [
            {
                "name": f"Stage {LINK}",
                "kind": "technical",
                "duration_minutes": 45,
                "competency_ids": [skill],
                "questions": [{"text": f"Question {SCRIPT} {LINK}", "competency_id": skill}],
            }
        ],
        name=f"Plan {LINK}",
    )
    stage = plan["stages"][0]["id"]
    kit = await act(
        client,
        setting.recruiter,
        "GET",
        f"/api/v1/interview-plans/{plan['id']}/stages/{stage}/kit",
        headers={"Accept": "text/markdown"},
    )
    assert kit.status_code == 200, kit.text
    html = rendered(kit.text)
    assert_inert(html)
    assert "<h1>Interviewer kit: Stage [phish](https://evil.example)</h1>" in html
    assert "<table>" in html  # the rubric table still renders


async def test_the_invitation_is_plain_single_line_text(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime)
    application_id = await another_application(client, setting, NAME)
    interview = await scheduled(client, setting, hours_from_now(30), application_id=application_id)
    ics = await act(
        client, setting.recruiter, "GET", f"{INTERVIEWS}/{interview['id']}/calendar.ics"
    )
    assert ics.status_code == 200, ics.text
    event = icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0]
    summary, description = str(event["SUMMARY"]), str(event["DESCRIPTION"])
    assert "<" not in summary + description
    assert ">" not in summary + description
    assert summary.startswith("Interview: Mallory scriptalert('x')/script")
    assert description.splitlines()[0].startswith("Technical interview with Mallory")
    assert description.splitlines()[1].startswith("Interview kit: ")
