"""The analysis on a hand-made transcript with known answers: talk share, monologues,
questions, plan and competency coverage, risky topics, interruptions, evidence; speakers mapped
by name and by hand; every number pointing at its segments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.platform.runtime import Runtime
from app.services.transcripts.risky_topics import CATEGORIES, find_risky
from tests.support.harness import MakeUser
from tests.support.intakes import act
from tests.support.transcripts import KNOWN_VTT, held_interview, put_transcript

CATEGORY_NAMES = {
    "age",
    "family_status",
    "pregnancy",
    "religion",
    "national_origin",
    "race",
    "disability_health",
    "sexual_orientation",
    "salary_history",
    "union_membership",
}


async def analysed(client, make_user: MakeUser, runtime: Runtime) -> tuple[Any, dict[str, Any]]:
    held = await held_interview(client, make_user, runtime)
    put = await put_transcript(client, held.setting.recruiter, held, KNOWN_VTT)
    assert put.status_code == 201, put.text
    response = await act(client, held.setting.lead, "GET", f"{held.url}/transcript/analysis")
    assert response.status_code == 200, response.text
    return held, response.json()


async def test_speakers_are_mapped_by_name(client, make_user: MakeUser, runtime: Runtime):
    held = await held_interview(client, make_user, runtime)
    put = await put_transcript(client, held.setting.recruiter, held, KNOWN_VTT)
    body = put.json()
    speakers = {s["label"]: (s["side"], s["user_id"], s["assigned"]) for s in body["speakers"]}
    assert speakers == {
        "Jane Doe": ("interviewer", str(held.setting.lead.id), "auto"),
        "Ada Lovelace": ("candidate", None, "auto"),
        "Sam Lee": ("interviewer", str(held.setting.second.id), "auto"),
        "Speaker 3": ("unknown", None, "none"),
    }
    assert body["segment_count"] == 8
    assert body["segments"][1]["text"] == (
        "I designed a double-entry ledger for payments. Every transaction writes two entries "
        "that balance."
    )
    assert body["segments"][1]["side"] == "candidate"
    assert (body["segments"][7]["start"], body["segments"][7]["end"]) == (100.0, 101.0)


async def test_talk_share_monologues_and_interruptions(client, make_user, runtime):
    held, result = await analysed(client, make_user, runtime)
    talk = result["talk_share"]
    assert talk["total_seconds"] == 102.0
    assert talk["candidate"] == round(70 / 102, 4)
    assert talk["interviewers"] == round(31 / 102, 4)
    assert talk["unknown"] == round(1 / 102, 4)
    people = {p["speaker"]: p for p in talk["participants"]}
    assert people["Jane Doe"]["seconds"] == 25.0
    assert people["Jane Doe"]["segments"] == [0, 4, 6]
    assert people["Jane Doe"]["user_id"] == str(held.setting.lead.id)
    assert people["Ada Lovelace"]["segments"] == [1, 3, 5]
    longest = result["longest_monologue"]
    assert (longest["candidate"]["seconds"], longest["candidate"]["segments"]) == (30.0, [1])
    assert (longest["interviewers"]["seconds"], longest["interviewers"]["segments"]) == (10.0, [0])
    interruptions = result["interruptions"]
    assert interruptions["count"] == 1
    [item] = interruptions["items"]
    assert (item["segment"], item["interrupted_segment"], item["speaker"]) == (2, 1, "Sam Lee")
    assert item["overlap_seconds"] == 1.0
    assert interruptions["by_side"]["interviewer"] == 1


async def test_questions_open_and_closed(client, make_user, runtime):
    _held, result = await analysed(client, make_user, runtime)
    questions = result["questions"]
    assert (questions["total"], questions["open"], questions["closed"]) == (4, 2, 2)
    kinds = [(q["segment"], q["kind"]) for q in questions["items"]]
    assert kinds == [(0, "open"), (2, "closed"), (4, "open"), (6, "closed")]


async def test_plan_and_competency_coverage(client, make_user, runtime):
    held, result = await analysed(client, make_user, runtime)
    [planned] = result["plan_coverage"]
    assert planned["text"] == "Design a ledger."
    assert planned["asked"] is True
    assert (planned["segment"], planned["start"]) == (0, 0.0)
    assert planned["quote"] == "Tell me about a ledger you designed."
    assert planned["score"] >= 0.62
    coverage = {c["competency_id"]: c for c in result["competency_coverage"]}
    design, coding, _ = held.setting.competency_ids
    assert (coverage[design]["covered"], coverage[design]["asked_questions"]) == (True, 1)
    assert coverage[design]["segments"] == [0]
    assert coverage[coding]["covered"] is False
    assert coverage[coding]["planned_questions"] == 0
    assert result["engine"] == "lexical"


async def test_risky_topics_raised_by_interviewers(client, make_user, runtime):
    held, result = await analysed(client, make_user, runtime)
    flagged = [
        (r["category"], r["segment"], r["start"], r["quote"]) for r in result["risky_topics"]
    ]
    assert flagged == [
        ("age", 4, 75.0, "How old are you, by the way?"),
        ("family_status", 6, 90.0, "Are you married?"),
    ]
    assert all(r["user_id"] == str(held.setting.lead.id) for r in result["risky_topics"])


async def test_a_candidate_mentioning_a_topic_is_not_flagged(client, make_user, runtime):
    held = await held_interview(client, make_user, runtime)
    vtt = (
        "WEBVTT\n\n00:00.000 --> 00:05.000\nAda Lovelace: Are you married? I ask because I am.\n\n"
        "00:05.000 --> 00:09.000\nJane Doe: Let's talk about the ledger instead.\n"
    )
    await put_transcript(client, held.setting.recruiter, held, vtt)
    result = (await act(client, held.setting.lead, "GET", f"{held.url}/transcript/analysis")).json()
    assert result["risky_topics"] == []


@pytest.mark.parametrize(
    ("sentence", "category"),
    [
        ("So how old are you now?", "age"),
        ("Do you have any kids at home?", "family_status"),
        ("Are you planning to get pregnant soon?", "pregnancy"),
        ("Which church do you attend on Sundays? Do you go to church?", "religion"),
        ("Where are you originally from?", "national_origin"),
        ("What is your race, if you don't mind?", "race"),
        ("Do you have any disabilities we should know about?", "disability_health"),
        ("Are you gay or straight?", "sexual_orientation"),
        ("What is your current salary?", "salary_history"),
        ("Are you a member of a union?", "union_membership"),
    ],
)
def test_each_risky_category_is_recognised(sentence: str, category: str):
    assert [m.category for m in find_risky(sentence)] == [category]


def test_the_categories_are_the_contracted_ones():
    assert set(CATEGORIES) == CATEGORY_NAMES


def test_salary_history_can_be_left_unflagged():
    assert find_risky("What is your current salary?", salary_history=False) == []


async def test_evidence_offers_the_candidates_answer_per_competency(client, make_user, runtime):
    held, _result = await analysed(client, make_user, runtime)
    response = await act(client, held.setting.lead, "GET", f"{held.url}/transcript/evidence")
    assert response.status_code == 200, response.text
    by_id = {c["competency_id"]: c for c in response.json()["competencies"]}
    design = by_id[held.setting.competency_ids[0]]
    first = design["passages"][0]
    assert first["segments"] == [1]
    assert first["quote"].startswith("I designed a double-entry ledger")
    assert (first["start"], first["end"]) == (10.0, 40.0)
    body = response.text
    for verdict in ("rating", "recommendation", "strong_yes", "hire"):
        assert verdict not in body


async def test_speaker_changes_redo_the_analysis(client, make_user, runtime):
    held, _ = await analysed(client, make_user, runtime)
    url = f"{held.url}/transcript/speakers"
    current = await act(client, held.setting.recruiter, "GET", f"{held.url}/transcript")
    etag = current.headers["etag"]
    change = {
        "speakers": [
            {"label": "Speaker 3", "side": "interviewer", "user_id": str(held.setting.second.id)}
        ]
    }
    missing = await act(client, held.setting.recruiter, "PATCH", url, json=change)
    assert missing.status_code == 428
    changed = await act(
        client, held.setting.recruiter, "PATCH", url, json=change, headers={"If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    speakers = {s["label"]: s for s in changed.json()["speakers"]}
    assert speakers["Speaker 3"]["assigned"] == "manual"
    stale = await act(
        client, held.setting.recruiter, "PATCH", url, json=change, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    result = (await act(client, held.setting.lead, "GET", f"{held.url}/transcript/analysis")).json()
    assert result["talk_share"]["unknown"] == 0.0
    assert result["talk_share"]["interviewers"] == round(32 / 102, 4)
    # A manual choice survives a re-import of the file.
    again = await put_transcript(client, held.setting.recruiter, held, KNOWN_VTT)
    assert again.status_code == 200
    assert {s["label"]: s["assigned"] for s in again.json()["speakers"]}["Speaker 3"] == "manual"


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"label": "Nobody", "side": "candidate"}, "body.speakers[0].label"),
        ({"label": "Speaker 3", "side": "interviewer"}, "body.speakers[0].user_id"),
        (
            {
                "label": "Speaker 3",
                "side": "candidate",
                "user_id": "0190c8a4-7d7e-7000-8000-000000000000",
            },
            "body.speakers[0].user_id",
        ),
    ],
)
async def test_bad_speaker_assignments_are_422(client, make_user, runtime, change, location):
    held, _ = await analysed(client, make_user, runtime)
    etag = (await act(client, held.setting.recruiter, "GET", f"{held.url}/transcript")).headers[
        "etag"
    ]
    response = await act(
        client,
        held.setting.recruiter,
        "PATCH",
        f"{held.url}/transcript/speakers",
        json={"speakers": [change]},
        headers={"If-Match": etag},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["location"] == location


def test_the_documented_phrase_list_is_the_code():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "transcripts.md").read_text()
    doc = doc.split("## Risky topics", 1)[1]
    lines = {line.split("`")[1]: line for line in doc.splitlines() if line.startswith("- **`")}
    assert set(lines) == set(CATEGORIES)
    for category, phrases in CATEGORIES.items():
        documented = lines[category].split(": ", 1)[1].split(" · ")
        assert documented == [f"`{p}`" for p in phrases], category
