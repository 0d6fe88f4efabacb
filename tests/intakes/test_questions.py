"""The standard intake: admins keep the questions; required ones must be answered before review."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.roles import Role
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import BASE, act, events_of, intake_body

QUESTIONS = "/api/v1/intake-questions"


async def add_question(client, admin: Actor, text: str, **extra: Any) -> dict[str, Any]:
    response = await act(client, admin, "POST", QUESTIONS, json={"text": text, **extra})
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    question: dict[str, Any] = response.json()
    return question


@pytest.fixture
async def pair(make_user: MakeUser) -> tuple[Actor, Actor]:
    return await make_user(Role.RECRUITER), await make_user(Role.HIRING_MANAGER)


async def test_admins_create_questions_and_others_may_not(client, admin, actors):
    required = await add_question(client, admin, "Why is this role open?", position=1)
    optional = await add_question(
        client, admin, "Anything else?", required=False, position=2, help_text="Free text"
    )
    assert (required["required"], required["active"]) == (True, True)
    assert (optional["required"], optional["help_text"]) == (False, "Free text")

    for role in (Role.RECRUITER, Role.HIRING_MANAGER, Role.INTERVIEWER):
        refused = await act(client, actors[role], "POST", QUESTIONS, json={"text": "Sneaky?"})
        assert refused.status_code == 403, (role, refused.text)
        patched = await act(
            client,
            actors[role],
            "PATCH",
            f"{QUESTIONS}/{required['id']}",
            headers={"If-Match": '"1"'},
            json={"active": False},
        )
        assert patched.status_code == 403, (role, patched.text)
        # Everyone reads them, in order.
        listed = await act(client, actors[role], "GET", QUESTIONS)
        assert listed.status_code == 200
        assert [q["id"] for q in listed.json()["data"]] == [required["id"], optional["id"]]


async def test_question_input_is_validated(client, admin):
    short = await act(client, admin, "POST", QUESTIONS, json={"text": "Hm"})
    assert short.status_code == 422
    assert [e["location"] for e in short.json()["errors"]] == ["body.text"]
    extra = await act(client, admin, "POST", QUESTIONS, json={"text": "Why?!", "active": False})
    assert extra.status_code == 422
    assert [e["location"] for e in extra.json()["errors"]] == ["body.active"]
    listed = await act(client, admin, "GET", QUESTIONS)
    assert listed.json()["data"] == []


async def test_required_questions_must_be_answered_before_review(client, admin, pair, runtime):
    recruiter, manager = pair
    why = await add_question(client, admin, "Why is this role open?", position=1)
    success = await add_question(client, admin, "What does success look like?", position=2)
    optional = await add_question(client, admin, "Anything else?", required=False, position=3)

    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    url = f"{BASE}/{created.json()['id']}"
    refused = await act(client, recruiter, "POST", f"{url}/submit-for-review")
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["type"] == "/problems/validation-error"
    assert [(e["location"], e["code"]) for e in problem["errors"]] == [
        (f"answers.{why['id']}", "missing"),
        (f"answers.{success['id']}", "missing"),
    ]
    assert why["text"] in problem["errors"][0]["message"]
    stored = await act(client, recruiter, "GET", url)
    assert stored.json()["status"] == "draft"
    assert stored.headers["etag"] == created.headers["etag"]
    assert await events_of(runtime, created.json()["id"]) == ["intake.created"]

    # The hiring manager answers one (blank answers do not count), the other is still missing.
    partly = await act(
        client,
        manager,
        "PATCH",
        url,
        headers={"If-Match": stored.headers["etag"]},
        json={"answers": {why["id"]: "The team doubles this year", success["id"]: "   "}},
    )
    assert partly.status_code == 200, partly.text
    still = await act(client, recruiter, "POST", f"{url}/submit-for-review")
    assert still.status_code == 422, still.text
    assert [e["location"] for e in still.json()["errors"]] == [f"answers.{success['id']}"]

    # Both required ones answered; the optional one need not be.
    answered = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": partly.headers["etag"]},
        json={
            "answers": {
                why["id"]: "The team doubles this year",
                success["id"]: "Ships the ledger in 6 months",
            }
        },
    )
    assert answered.status_code == 200, answered.text
    assert optional["id"] not in answered.json()["answers"]
    submitted = await act(client, recruiter, "POST", f"{url}/submit-for-review")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "in_review"
    revision = await act(client, recruiter, "GET", f"{url}/revisions/1")
    assert revision.json()["snapshot"]["answers"] == {
        why["id"]: "The team doubles this year",
        success["id"]: "Ships the ledger in 6 months",
    }


async def test_a_retired_required_question_no_longer_blocks(client, admin, pair):
    recruiter, manager = pair
    keep = await add_question(client, admin, "Why is this role open?", position=1)
    retire = await add_question(client, admin, "Who approved the budget?", position=2)
    created = await act(
        client,
        recruiter,
        "POST",
        BASE,
        json=intake_body(None, manager, answers={keep["id"]: "Growth"}),
    )
    assert created.status_code == 201, created.text
    url = f"{BASE}/{created.json()['id']}"
    blocked = await act(client, recruiter, "POST", f"{url}/submit-for-review")
    assert [e["location"] for e in blocked.json()["errors"]] == [f"answers.{retire['id']}"]

    # Retiring needs If-Match (428 without, 412 when stale).
    target = f"{QUESTIONS}/{retire['id']}"
    missing = await act(client, admin, "PATCH", target, json={"active": False})
    assert missing.status_code == 428
    stale = await act(client, admin, "PATCH", target, headers={"If-Match": '"7"'}, json={})
    assert stale.status_code == 412
    retired = await act(
        client, admin, "PATCH", target, headers={"If-Match": '"1"'}, json={"active": False}
    )
    assert retired.status_code == 200, retired.text
    assert retired.json()["active"] is False
    assert retired.headers["etag"] == '"2"'
    active = await act(client, admin, "GET", QUESTIONS, params={"active": "true"})
    assert [q["id"] for q in active.json()["data"]] == [keep["id"]]

    submitted = await act(client, recruiter, "POST", f"{url}/submit-for-review")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "in_review"


async def test_making_a_question_optional_no_longer_blocks(client, admin, pair):
    recruiter, manager = pair
    question = await add_question(client, admin, "Why is this role open?")
    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    url = f"{BASE}/{created.json()['id']}"
    assert (await act(client, recruiter, "POST", f"{url}/submit-for-review")).status_code == 422
    relaxed = await act(
        client,
        admin,
        "PATCH",
        f"{QUESTIONS}/{question['id']}",
        headers={"If-Match": '"1"'},
        json={"required": False},
    )
    assert relaxed.status_code == 200, relaxed.text
    assert (await act(client, recruiter, "POST", f"{url}/submit-for-review")).status_code == 200


async def test_help_text_can_be_cleared_but_required_fields_not_nulled(client, admin):
    created = await client.post(
        "/api/v1/intake-questions",
        headers=admin.headers,
        json={"text": "Why now?", "help_text": "Think about the roadmap"},
    )
    url = f"/api/v1/intake-questions/{created.json()['id']}"
    etag = created.headers["etag"]
    cleared = await client.patch(
        url, headers={**admin.headers, "If-Match": etag}, json={"help_text": None}
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["help_text"] is None
    refused = await client.patch(
        url, headers={**admin.headers, "If-Match": cleared.headers["etag"]}, json={"text": None}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["location"] == "body.text"
