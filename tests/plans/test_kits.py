"""Interviewer kits in JSON, Markdown and HTML: every question, follow-up, rubric level and
rule is in each; user text is escaped in HTML; the time plan fills the stage."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import httpx
from markupsafe import escape

from app.core.roles import Role
from app.core.text import escape_markdown
from app.services.plans.kits import DO, DONT
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import act
from tests.support.plans import PLANS, new_plan, patch_plan, stage_inputs

DESIGN_RUBRIC = {
    "1": "Cannot describe a system they built.",
    "2": "Describes components but no trade-offs.",
    "3": "Explains trade-offs & their costs.",
    "4": "Weighs alternatives <with numbers> and outcomes.",
}
CODING_RUBRIC = {
    "1": "Code does not run.",
    "2": "Runs, but untested and hard to read.",
    "3": "Clean, tested code.",
    "4": "Clean, tested code that the team learns from.",
}
QUESTIONS = [
    ("Design a URL shortener for 1M users.", "design", ["How does it scale?", "What fails first?"]),
    ("What is <script>alert('x')</script> doing here?", "design", ["Would you sanitise it?"]),
    ("Pair on fixing a failing test.", "coding", []),
]
GOOD = "Names the bottleneck & measures it"
CODING_LISTEN = "Tests first & small steps, each one green"


async def kit_plan(client: httpx.AsyncClient, recruiter: Actor) -> tuple[dict[str, Any], Any]:
    ids = {}
    for key, name, rubric in (
        ("design", "System design & architecture", DESIGN_RUBRIC),
        ("coding", "Coding", CODING_RUBRIC),
    ):
        response = await act(
            client,
            recruiter,
            "POST",
            "/api/v1/competencies",
            json={
                "name": name,
                "description": f"How well they do {key}",
                "rubric": rubric,
                "listen_for": CODING_LISTEN if key == "coding" else None,
            },
        )
        assert response.status_code == 201, response.text
        ids[key] = response.json()["id"]
    stage = {
        "name": "Technical deep dive",
        "kind": "technical",
        "duration_minutes": 60,
        "format": "video",
        "competency_ids": [ids["design"], ids["coding"]],
        "questions": [
            {
                "text": text,
                "competency_id": ids[key],
                "follow_ups": follow_ups,
                "what_good_looks_like": GOOD if key == "design" else None,
            }
            for text, key, follow_ups in QUESTIONS
        ],
        "interviewer_pool": [],
    }
    plan = await new_plan(client, recruiter, [stage], is_template=True, name="Loop <b>one</b>")
    return plan, ids


def expected_texts() -> list[str]:
    texts = [text for text, _, _ in QUESTIONS]
    texts += [f for _, _, follow_ups in QUESTIONS for f in follow_ups]
    texts += list(DESIGN_RUBRIC.values()) + list(CODING_RUBRIC.values())
    texts += [GOOD, CODING_LISTEN, *DO, *DONT]
    return texts


async def test_the_kit_as_json_has_everything_an_interviewer_needs(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    plan, ids = await kit_plan(client, recruiter)
    stage = plan["stages"][0]
    response = await act(client, recruiter, "GET", f"{PLANS}/{plan['id']}/stages/{stage['id']}/kit")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    kit = response.json()
    assert (kit["plan_name"], kit["plan_version"]) == ("Loop <b>one</b>", 1)
    assert kit["stage"] == {
        "id": stage["id"],
        "name": "Technical deep dive",
        "kind": "technical",
        "format": "video",
        "duration_minutes": 60,
        "evaluation_required": True,
    }
    assert [q["text"] for q in kit["questions"]] == [text for text, _, _ in QUESTIONS]
    assert [q["follow_ups"] for q in kit["questions"]] == [f for _, _, f in QUESTIONS]
    assert [q["competency_name"] for q in kit["questions"]] == [
        "System design & architecture",
        "System design & architecture",
        "Coding",
    ]
    assert kit["questions"][0]["what_good_looks_like"] == GOOD
    assert [(c["id"], c["rubric"]) for c in kit["competencies"]] == [
        (ids["design"], DESIGN_RUBRIC),
        (ids["coding"], CODING_RUBRIC),
    ]
    # The competency's own note, else the good answers to its questions; never the rubric.
    assert [c["listen_for"] for c in kit["competencies"]] == [GOOD, CODING_LISTEN]
    assert kit["rating_names"] == {"1": "strong no", "2": "no", "3": "yes", "4": "strong yes"}
    assert (kit["do"], kit["dont"]) == (list(DO), list(DONT))
    assert all(kit["do"])
    assert all(kit["dont"])


async def test_markdown_and_html_kits_contain_every_question_rubric_and_rule(
    client, make_user: MakeUser
):
    recruiter = await make_user(Role.RECRUITER)
    plan, _ = await kit_plan(client, recruiter)
    url = f"{PLANS}/{plan['id']}/stages/{plan['stages'][0]['id']}/kit"

    markdown = await act(client, recruiter, "GET", url, headers={"Accept": "text/markdown"})
    assert markdown.status_code == 200, markdown.text
    assert markdown.headers["content-type"] == "text/markdown; charset=utf-8"
    assert markdown.text.startswith("# Interviewer kit: Technical deep dive")
    # Stored text is written escaped: it reads the same once rendered, and cannot add markup.
    missing = [t for t in expected_texts() if escape_markdown(t) not in markdown.text]
    assert missing == []

    html = await act(client, recruiter, "GET", url, headers={"Accept": "text/html"})
    assert html.status_code == 200, html.text
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.text.startswith("<!doctype html>")
    missing = [t for t in expected_texts() if str(escape(t)) not in html.text]
    assert missing == []
    # User text is escaped: no markup from questions, rubrics or names gets through.
    assert "<script>" not in html.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html.text
    assert "<b>one</b>" not in html.text
    assert "Loop &lt;b&gt;one&lt;/b&gt;" in html.text
    assert "&lt;with numbers&gt;" in html.text
    assert "System design &amp; architecture" in html.text

    # A browser's Accept header (several types, with qualities) picks HTML.
    browser = await act(
        client,
        recruiter,
        "GET",
        url,
        headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
    )
    assert browser.headers["content-type"].startswith("text/html")


async def test_the_format_parameter_overrides_accept(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    plan, _ = await kit_plan(client, recruiter)
    url = f"{PLANS}/{plan['id']}/stages/{plan['stages'][0]['id']}/kit"
    for fmt, accept, media in (
        ("markdown", "text/html", "text/markdown"),
        ("html", "text/markdown", "text/html"),
        ("json", "text/html", "application/json"),
        ("json", "text/markdown", "application/json"),
    ):
        response = await act(
            client, recruiter, "GET", url, params={"format": fmt}, headers={"Accept": accept}
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media), (fmt, accept)
    plain = await act(client, recruiter, "GET", url, headers={"Accept": "application/json"})
    assert plain.json()["stage"]["name"] == "Technical deep dive"
    # The text variants are operations of their own too (generated clients read them as text).
    for fmt, suffix in (("markdown", "md"), ("html", "html")):
        chosen = await act(client, recruiter, "GET", url, params={"format": fmt})
        own = await act(client, recruiter, "GET", f"{url}.{suffix}")
        assert own.status_code == 200, own.text
        assert (own.headers["content-type"], own.text) == (
            chosen.headers["content-type"],
            chosen.text,
        )
    bad = await act(client, recruiter, "GET", url, params={"format": "pdf"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["location"] == "query.format"


async def test_the_kit_follows_the_current_plan(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    plan, _ = await kit_plan(client, recruiter)
    stages = stage_inputs(plan)
    stages[0]["questions"] = stages[0]["questions"][:1]
    stages[0]["questions"][0]["text"] = "Design a notification service."
    edited = await patch_plan(client, recruiter, plan["id"], {"stages": stages})
    assert edited.status_code == 200, edited.text
    url = f"{PLANS}/{plan['id']}/stages/{plan['stages'][0]['id']}/kit"
    kit = (await act(client, recruiter, "GET", url)).json()
    assert [q["text"] for q in kit["questions"]] == ["Design a notification service."]
    markdown = (await act(client, recruiter, "GET", url, params={"format": "markdown"})).text
    assert "Design a notification service." in markdown
    assert QUESTIONS[0][0] not in markdown


async def test_unknown_stages_and_plans_have_no_kit(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    plan, _ = await kit_plan(client, recruiter)
    unknown_stage = await act(
        client, recruiter, "GET", f"{PLANS}/{plan['id']}/stages/{uuid.uuid4()}/kit"
    )
    assert unknown_stage.status_code == 404
    assert unknown_stage.headers["content-type"].startswith("application/problem+json")
    unknown_plan = await act(
        client, recruiter, "GET", f"{PLANS}/{uuid.uuid4()}/stages/{plan['stages'][0]['id']}/kit"
    )
    assert unknown_plan.status_code == 404


def _check_time_plan(time_plan: list[dict[str, Any]], duration: int, questions: int) -> None:
    assert time_plan[0]["start_minute"] == 0
    for before, after in itertools.pairwise(time_plan):
        assert before["end_minute"] == after["start_minute"], time_plan
    assert all(s["end_minute"] >= s["start_minute"] for s in time_plan), time_plan
    assert time_plan[-1]["end_minute"] == duration, (duration, questions, time_plan)
    asked = [s["activity"] for s in time_plan if s["activity"].startswith("Question")]
    assert asked == [f"Question {i + 1}" for i in range(questions)]


def _fresh_questions(plan: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """The first `count` questions as new ones (ids of removed questions are gone)."""
    return [{k: v for k, v in q.items() if k != "id"} for q in stage_inputs(plan)[0]["questions"]][
        :count
    ]


async def test_the_time_plan_adds_up_to_the_stage_duration(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    plan, _ = await kit_plan(client, recruiter)
    url = f"{PLANS}/{plan['id']}/stages/{plan['stages'][0]['id']}/kit"
    kit = (await act(client, recruiter, "GET", url)).json()
    # 60 minutes: 5 to start, 40 for three questions, 10 for the candidate's, 5 to close.
    assert [(s["start_minute"], s["end_minute"]) for s in kit["time_plan"]] == [
        (0, 5),
        (5, 19),
        (19, 32),
        (32, 45),
        (45, 55),
        (55, 60),
    ]
    stages = stage_inputs(plan)
    for duration, count in ((45, 1), (90, 3), (30, 2), (60, 0), (25, 3), (17, 3), (15, 2)):
        stages[0]["duration_minutes"] = duration
        stages[0]["questions"] = _fresh_questions(plan, count)
        edited = await patch_plan(client, recruiter, plan["id"], {"stages": stages})
        assert edited.status_code == 200, edited.text
        kit = (await act(client, recruiter, "GET", url)).json()
        _check_time_plan(kit["time_plan"], duration, count)
        if count == 0:
            assert "Structured questions" in [s["activity"] for s in kit["time_plan"]]


async def test_the_time_plan_of_a_short_stage_fits_the_stage(client, make_user: MakeUser):
    """Stages may be as short as 5 minutes; their time plan must not run over."""
    recruiter = await make_user(Role.RECRUITER)
    plan, _ = await kit_plan(client, recruiter)
    stages = stage_inputs(plan)
    url = f"{PLANS}/{plan['id']}/stages/{plan['stages'][0]['id']}/kit"
    for duration in (5, 10):
        stages[0]["duration_minutes"] = duration
        stages[0]["questions"] = _fresh_questions(plan, 1)
        edited = await patch_plan(client, recruiter, plan["id"], {"stages": stages})
        assert edited.status_code == 200, edited.text
        kit = (await act(client, recruiter, "GET", url)).json()
        _check_time_plan(kit["time_plan"], duration, 1)
