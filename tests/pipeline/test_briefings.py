"""Candidate briefings: what they contain (and never contain) in JSON, Markdown and HTML, and
the signed, expiring, revocable public links with their view counts."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

import httpx

from app.core.roles import Role
from app.platform.runtime import Runtime
from app.services.pipeline.briefings import TOKEN_BYTES, _b64, _sign
from tests.support.candidates import subject_events
from tests.support.harness import TEST_SECRET, Actor, MakeApiKey, MakeUser, ManualClock
from tests.support.intakes import act
from tests.support.pipeline import APPLICATIONS, Pipeline, applied, at, move, pipeline
from tests.support.plans import RUBRIC

DAY = 86400
HM_PROFILE = {
    "headline": "Engineering manager, Payments",
    "bio": "Twelve years building payment systems.",
    "team_description": "Six engineers who own the ledger.",
    "working_style": "Written proposals, short meetings.",
    "values_in_people": "Curiosity and care for the details.",
    "interview_style": "Conversational; real problems from our backlog.",
    "growth_paths": "Towards staff engineer or team lead.",
    "photo_url": "https://example.com/hm.jpg",
    "links": [{"label": "Our engineering blog", "url": "https://example.com/blog"}],
    "internal_notes": "HM INTERNAL NOTE: hard to convince, push for references",
}
INTERVIEWER_PROFILE = {
    "headline": "Senior engineer, Ledger team",
    "bio": "Builds the double-entry core.",
    "internal_notes": "INTERVIEWER INTERNAL NOTE: tends to grill on Kafka",
}
SELLING_POINTS = ["Own the ledger end to end", "Four-day work week in summer"]
DEAL_BREAKER = "DEALBREAKER: cannot work with legacy code"
# What a candidate must never see: notes, questions and rubrics, pay and requirements.
NEVER = (
    "INTERNAL NOTE",
    "INTERNAL QUESTION",
    "INTERNAL FOLLOW-UP",
    "INTERNAL GOOD ANSWER",
    *RUBRIC.values(),
    "DEALBREAKER",
    "80000",
    "80,000",
    "100000",
    "100,000",
    "123456",
    "123,456",
    "sam.private@example.com",
    "+31201234567",
    "Okafor",
)


async def put_profile(client: httpx.AsyncClient, actor: Actor, body: dict[str, Any]) -> None:
    url = f"/api/v1/users/{actor.id}/hm-profile"
    current = await act(client, actor, "GET", url)
    etag = current.headers.get("etag", '"0"') if current.status_code == 200 else '"0"'
    response = await act(client, actor, "PUT", url, headers={"If-Match": etag}, json=body)
    assert response.status_code in (200, 201), response.text


async def briefing_setting(client: httpx.AsyncClient, make_user: MakeUser) -> tuple[Pipeline, str]:
    """A pipeline whose people have candidate-facing profiles, and an application of a
    candidate with a pay expectation."""
    manager = await make_user(Role.HIRING_MANAGER, full_name="Maria Manager")
    interviewer = await make_user(Role.INTERVIEWER, full_name="Ivan Interviewer")
    setting = await pipeline(
        client,
        make_user,
        manager=manager,
        interviewer=interviewer,
        selling_points=SELLING_POINTS,
        deal_breakers=[DEAL_BREAKER],
        ideal_candidate="Someone who likes correctness.",
    )
    await put_profile(client, manager, HM_PROFILE)
    await put_profile(client, interviewer, INTERVIEWER_PROFILE)
    # The secrets are really there, for the briefings to leave out.
    own = await act(client, manager, "GET", f"/api/v1/users/{manager.id}/hm-profile")
    assert own.json()["internal_notes"] == HM_PROFILE["internal_notes"]
    assert "INTERNAL QUESTION" in str(setting.plan["stages"][0]["questions"])
    assert RUBRIC["4"] in str(setting.plan["stages"][0]["competencies"])
    application = await applied(
        client,
        setting,
        "Sam Okafor",
        email="sam.private@example.com",
        phone="+31 20 123 4567",
        pay_expectation_amount=123456,
        pay_expectation_currency="EUR",
    )
    return setting, application["id"]


def assert_hides_internals(text: str) -> None:
    for secret in NEVER:
        assert secret not in text, secret


async def test_the_json_briefing_has_the_candidate_facing_facts_only(client, make_user: MakeUser):
    setting, app_id = await briefing_setting(client, make_user)
    url = f"{APPLICATIONS}/{app_id}/briefing"
    response = await act(
        client, setting.recruiter, "GET", url, params={"stage": setting.stage_ids[0]}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    briefing = response.json()
    assert briefing["candidate_name"] == "Sam"
    role = briefing["role"]
    assert (role["title"], role["department"], role["location"], role["remote_policy"]) == (
        "Senior Backend Engineer",
        "Payments",
        "Amsterdam",
        "hybrid",
    )
    assert role["selling_points"] == SELLING_POINTS
    assert role["ideal_candidate"] == "Someone who likes correctness."
    manager = briefing["hiring_manager"]
    assert manager["name"] == "Maria Manager"
    for field in (
        "headline",
        "bio",
        "team_description",
        "working_style",
        "values_in_people",
        "interview_style",
        "growth_paths",
        "photo_url",
    ):
        assert manager[field] == HM_PROFILE[field], field
    assert manager["links"] == [
        {"label": "Our engineering blog", "url": "https://example.com/blog"}
    ]
    assert "internal_notes" not in manager
    assert [(s["name"], s["kind"], s["duration_minutes"]) for s in briefing["process"]] == [
        ("Technical interview", "technical", 60),
        ("Meet the hiring manager", "hiring_manager", 45),
    ]
    stage = briefing["stage"]
    assert (stage["name"], stage["kind"], stage["format"], stage["duration_minutes"]) == (
        "Technical interview",
        "technical",
        "video",
        60,
    )
    assert [(p["name"], p["headline"], p["bio"]) for p in stage["interviewers"]] == [
        ("Ivan Interviewer", INTERVIEWER_PROFILE["headline"], INTERVIEWER_PROFILE["bio"])
    ]
    assert [t["description"] for t in stage["what_we_look_at"]] == [
        "How you break a large problem into parts that fit together"
    ]
    assert stage["what_we_look_at"][0]["name"].startswith("System design")
    assert stage["how_to_prepare"]
    assert "video" in stage["logistics"].lower()
    assert_hides_internals(response.text)
    assert "salary" not in response.text

    # The second stage: the hiring manager interviews, onsite, at the intake's location.
    second = await act(
        client, setting.recruiter, "GET", url, params={"stage": setting.stage_ids[1]}
    )
    stage = second.json()["stage"]
    assert stage["name"] == "Meet the hiring manager"
    assert [p["name"] for p in stage["interviewers"]] == ["Maria Manager"]
    assert "Amsterdam" in stage["logistics"]
    assert stage["what_we_look_at"][0]["description"] == "Seeing things through to the end"
    assert_hides_internals(second.text)


async def test_the_stage_follows_the_application_unless_one_is_asked_for(
    client, make_user: MakeUser
):
    setting, app_id = await briefing_setting(client, make_user)
    url = f"{APPLICATIONS}/{app_id}/briefing"
    before = await act(client, setting.recruiter, "GET", url)
    assert before.json()["stage"] is None  # `applied` is not a plan stage
    assert len(before.json()["process"]) == 2
    await move(client, setting.recruiter, app_id, setting.stage_ids[1])
    now = await act(client, setting.recruiter, "GET", url)
    assert now.json()["stage"]["name"] == "Meet the hiring manager"
    for bad in ("nope", "shortlisted", "00000000-0000-0000-0000-000000000000"):
        response = await act(client, setting.recruiter, "GET", url, params={"stage": bad})
        assert response.status_code == 422, (bad, response.text)
        assert [e["location"] for e in response.json()["errors"]] == ["query.stage"]


async def test_markdown_and_html_by_accept_or_format(client, make_user: MakeUser):
    setting, app_id = await briefing_setting(client, make_user)
    url = f"{APPLICATIONS}/{app_id}/briefing"
    stage = {"stage": setting.stage_ids[0]}
    markdown = await act(
        client, setting.recruiter, "GET", url, params=stage, headers={"Accept": "text/markdown"}
    )
    html = await act(
        client, setting.recruiter, "GET", url, params=stage, headers={"Accept": "text/html"}
    )
    forced = await act(
        client,
        setting.recruiter,
        "GET",
        url,
        params={**stage, "format": "markdown"},
        headers={"Accept": "text/html"},
    )
    as_json = await act(
        client,
        setting.recruiter,
        "GET",
        url,
        params={**stage, "format": "json"},
        headers={"Accept": "text/html"},
    )
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert html.headers["content-type"].startswith("text/html")
    assert forced.headers["content-type"].startswith("text/markdown")
    assert forced.text == markdown.text
    assert as_json.headers["content-type"].startswith("application/json")
    # The text variants are operations of their own too (generated clients read them as text).
    for suffix, chosen in (("md", markdown), ("html", html)):
        own = await act(client, setting.recruiter, "GET", f"{url}.{suffix}", params=stage)
        assert own.status_code == 200, own.text
        assert (own.headers["content-type"], own.text) == (
            chosen.headers["content-type"],
            chosen.text,
        )
    assert markdown.text.startswith("# Your interview: Technical interview")
    assert "<h1>" in html.text
    for text in (markdown.text, html.text):
        assert "Hello Sam" in text
        assert "Maria Manager" in text
        for field in ("headline", "bio", "team_description", "values_in_people", "growth_paths"):
            assert str(HM_PROFILE[field]) in text, field
        for point in SELLING_POINTS:
            assert point in text
        assert "Technical interview" in text
        assert "60 minutes" in text
        assert "Ivan Interviewer" in text
        assert INTERVIEWER_PROFILE["bio"] in text
        assert "How you break a large problem into parts that fit together" in text
        assert "Meet the hiring manager" in text  # the whole process
        assert_hides_internals(text)
    bad_format = await act(client, setting.recruiter, "GET", url, params={"format": "pdf"})
    assert bad_format.status_code == 422


async def test_html_escapes_what_people_wrote(client, make_user: MakeUser):
    setting, app_id = await briefing_setting(client, make_user)
    await put_profile(
        client,
        setting.manager,
        {**HM_PROFILE, "bio": '<script>alert("x")</script> & <b>bold</b>'},
    )
    html = await act(
        client, setting.recruiter, "GET", f"{APPLICATIONS}/{app_id}/briefing?format=html"
    )
    assert "<script>" not in html.text
    assert "&lt;script&gt;" in html.text


# --- Public links ---------------------------------------------------------------------------


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


async def share(
    client: httpx.AsyncClient, actor: Actor, app_id: str, **body: Any
) -> dict[str, Any]:
    response = await act(
        client, actor, "POST", f"{APPLICATIONS}/{app_id}/briefing/share", json=body
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    link: dict[str, Any] = response.json()
    return link


async def links(client: httpx.AsyncClient, actor: Actor, app_id: str) -> list[dict[str, Any]]:
    response = await act(client, actor, "GET", f"{APPLICATIONS}/{app_id}/briefing/links")
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def problem(response: httpx.Response) -> dict[str, Any]:
    body = dict(response.json())
    body.pop("instance", None)
    body.pop("request_id", None)
    return body


async def test_a_shared_link_shows_the_page_without_sign_in_and_counts_views(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    setting, app_id = await briefing_setting(client, make_user)
    link = await share(
        client, setting.recruiter, app_id, stage_id=setting.stage_ids[0], expires_in_days=3
    )
    assert link["url"].startswith("http://testserver/p/")
    assert at(link["expires_at"]) == manual_clock.now + timedelta(days=3)
    assert (link["view_count"], link["first_viewed_at"], link["revoked_at"]) == (0, None, None)
    assert link["stage_id"] == setting.stage_ids[0]
    path = path_of(link["url"])

    manual_clock.advance(3600)
    first_view = manual_clock.now
    page = await client.get(path)  # no Authorization header
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-robots-tag"] == "noindex"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "Technical interview" in page.text
    assert HM_PROFILE["bio"] in page.text
    assert INTERVIEWER_PROFILE["bio"] in page.text
    assert_hides_internals(page.text)
    manual_clock.advance(3600)
    assert (await client.get(path)).status_code == 200

    [row] = await links(client, setting.recruiter, app_id)
    assert row["id"] == link["id"]
    assert "url" not in row
    assert "token" not in str(row)
    assert row["view_count"] == 2
    assert at(row["first_viewed_at"]) == first_view
    assert at(row["last_viewed_at"]) == manual_clock.now
    events = await subject_events(runtime, app_id)
    shared = [p for t, p in events if t == "briefing.shared"]
    viewed = [p for t, p in events if t == "briefing.viewed"]
    assert shared == [
        {"application_id": app_id, "link_id": link["id"], "stage_id": setting.stage_ids[0]}
    ]
    assert [v["views"] for v in viewed] == [1, 2]
    assert {v["link_id"] for v in viewed} == {link["id"]}

    # Each share is a new link; the default lifetime is 14 days.
    again = await share(client, setting.recruiter, app_id)
    assert again["url"] != link["url"]
    assert at(again["expires_at"]) == manual_clock.now + timedelta(days=14)
    assert [r["id"] for r in await links(client, setting.recruiter, app_id)] == [
        again["id"],
        link["id"],
    ]


async def test_an_expired_link_is_a_404(client, make_user: MakeUser, manual_clock: ManualClock):
    setting, app_id = await briefing_setting(client, make_user)
    link = await share(client, setting.recruiter, app_id, expires_in_days=2)
    path = path_of(link["url"])
    manual_clock.advance(2 * DAY - 1)
    assert (await client.get(path)).status_code == 200
    manual_clock.advance(1)
    expired = await client.get(path)
    assert expired.status_code == 404
    manual_clock.advance(30 * DAY)
    assert (await client.get(path)).status_code == 404
    [row] = await links(client, setting.recruiter, app_id)
    assert row["view_count"] == 1
    for days in (0, 91):
        response = await act(
            client,
            setting.recruiter,
            "POST",
            f"{APPLICATIONS}/{app_id}/briefing/share",
            json={"expires_in_days": days},
        )
        assert response.status_code == 422, days


async def test_a_revoked_link_is_a_404(client, make_user: MakeUser, runtime: Runtime):
    setting, app_id = await briefing_setting(client, make_user)
    first = await share(client, setting.recruiter, app_id)
    second = await share(client, setting.recruiter, app_id)
    url = f"{APPLICATIONS}/{app_id}/briefing/links/{first['id']}/revoke"
    revoked = await act(client, setting.recruiter, "POST", url)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert (await client.get(path_of(first["url"]))).status_code == 404
    assert (await client.get(path_of(second["url"]))).status_code == 200  # the other one works
    twice = await act(client, setting.recruiter, "POST", url)
    assert twice.json()["revoked_at"] == revoked.json()["revoked_at"]

    # A link id of another application, or none at all: 404.
    other_app = await applied(client, setting, "Ada Lovelace")
    elsewhere = await act(
        client,
        setting.recruiter,
        "POST",
        f"{APPLICATIONS}/{other_app['id']}/briefing/links/{second['id']}/revoke",
    )
    assert elsewhere.status_code == 404
    assert (await client.get(path_of(second["url"]))).status_code == 200
    unknown = await act(
        client,
        setting.recruiter,
        "POST",
        f"{APPLICATIONS}/{app_id}/briefing/links/00000000-0000-0000-0000-000000000000/revoke",
    )
    assert unknown.status_code == 404


async def test_tampered_tokens_are_a_404_like_unknown_ones(
    client, make_user: MakeUser, runtime: Runtime
):
    setting, app_id = await briefing_setting(client, make_user)
    link = await share(client, setting.recruiter, app_id)
    token = path_of(link["url"]).removeprefix("/p/")
    # A well-formed, correctly signed token that was never issued.
    nonce = secrets.token_bytes(TOKEN_BYTES)
    unknown = await client.get(f"/p/{_b64(nonce + _sign(TEST_SECRET, nonce))}")
    assert unknown.status_code == 404
    expected = problem(unknown)
    middle = len(token) // 2
    flipped = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    for tampered in (
        flipped,
        token[:-1],
        token[1:],
        token + "A",
        token.upper() if token.upper() != token else token.lower(),
        "garbage",
        "A",
        "x" * 500,
        token + "==",
        "!!!!" + token[4:],
    ):
        response = await client.get(f"/p/{tampered}")
        assert response.status_code == 404, (tampered, response.text)
        assert problem(response) == expected, tampered
    [row] = await links(client, setting.recruiter, app_id)
    assert row["view_count"] == 0
    assert [t for t, _ in await subject_events(runtime, app_id) if t == "briefing.viewed"] == []
    assert (await client.get(f"/p/{token}")).status_code == 200


async def test_who_may_share_and_list_links(client, make_user: MakeUser, make_api_key: MakeApiKey):
    setting, app_id = await briefing_setting(client, make_user)
    base = f"{APPLICATIONS}/{app_id}/briefing"
    for actor in (setting.manager, setting.interviewer):
        assert (await act(client, actor, "POST", f"{base}/share", json={})).status_code == 403
        assert (await act(client, actor, "GET", f"{base}/links")).status_code == 403
        # They read the briefing itself.
        assert (await act(client, actor, "GET", base)).status_code == 200
    outsider = await make_user(Role.RECRUITER)
    assert (await act(client, outsider, "POST", f"{base}/share", json={})).status_code == 404
    assert (await act(client, outsider, "GET", base)).status_code == 404
    unknown_stage = await act(
        client, setting.recruiter, "POST", f"{base}/share", json={"stage_id": "nope"}
    )
    assert unknown_stage.status_code == 422
    reader = await make_api_key("applications:read")
    writer = await make_api_key("applications:write")
    assert (
        await client.post(f"{base}/share", headers=reader.headers(), json={})
    ).status_code == 403
    by_key = await client.post(f"{base}/share", headers=writer.headers(), json={})
    assert by_key.status_code == 201, by_key.text
    assert (await client.get(path_of(by_key.json()["url"]))).status_code == 200
    assert len(await links(client, setting.recruiter, app_id)) == 1
