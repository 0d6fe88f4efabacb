"""Intake input validation: precise 422 problems, and a refused request writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.core.roles import Role
from app.models.base import table_of
from app.models.intakes import Intake, IntakeRevision, IntakeTeamMember
from app.models.platform import Event
from app.platform.runtime import Runtime
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import BASE, act, intake_body

PROBLEM = "application/problem+json"
DROP = object()  # a sentinel: leave the key out of the body


async def row_counts(runtime: Runtime) -> dict[str, int]:
    """How many intakes, team rows, revisions and events are stored."""
    counts = {}
    async with runtime.db.engine.connect() as conn:
        for model in (Intake, IntakeTeamMember, IntakeRevision, Event):
            table = table_of(model)
            counts[table.name] = (
                await conn.execute(select(func.count()).select_from(table))
            ).scalar_one()
    return counts


def assert_problem(
    response: httpx.Response, location: str, code: str | None = None, status: int = 422
) -> dict[str, Any]:
    """The response is a problem+json with an error at exactly `location` (and `code`)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem: dict[str, Any] = response.json()
    assert problem["type"] == "/problems/validation-error"
    found = [e for e in problem["errors"] if e["location"] == location]
    assert found, (location, problem["errors"])
    if code is not None:
        assert code in [e["code"] for e in found], (code, problem["errors"])
    return problem


@pytest.fixture
async def pair(make_user: MakeUser) -> tuple[Actor, Actor]:
    return await make_user(Role.RECRUITER), await make_user(Role.HIRING_MANAGER)


def with_changes(body: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(body)
    for key, value in changes.items():
        if value is DROP:
            out.pop(key, None)
        else:
            out[key] = value
    return out


@pytest.mark.parametrize(
    ("changes", "location", "code", "message"),
    [
        pytest.param(
            {"salary_min": 120000, "salary_max": 100000},
            "body",
            "value_error",
            "salary_min must not exceed salary_max",
            id="salary_min>salary_max",
        ),
        pytest.param(
            {"currency": DROP}, "body", "value_error", "needs a currency", id="pay-no-currency"
        ),
        pytest.param(
            {"salary_max": DROP, "currency": DROP},
            "body",
            "value_error",
            "needs a currency",
            id="min-only-no-currency",
        ),
        pytest.param({"currency": "EUX"}, "body.currency", "value_error", "ISO 4217", id="EUX"),
        pytest.param({"currency": "EURO"}, "body.currency", "string_too_long", None, id="EURO"),
        pytest.param({"headcount": 0}, "body.headcount", "greater_than_equal", None, id="hc0"),
        pytest.param({"soc_code": "151252"}, "body.soc_code", "string_pattern_mismatch", None),
        pytest.param({"soc_code": "15-125"}, "body.soc_code", "string_pattern_mismatch", None),
        pytest.param(
            {"shortlist_due_date": "2027-03-02", "target_fill_date": "2027-03-01"},
            "body",
            "value_error",
            "shortlist_due_date must not be after target_fill_date",
            id="shortlist-after-fill",
        ),
        pytest.param({"colour": "blue"}, "body.colour", "extra_forbidden", None, id="unknown"),
        pytest.param({"status": "agreed"}, "body.status", "extra_forbidden", None, id="status"),
        pytest.param({"revision": 7}, "body.revision", "extra_forbidden", None, id="revision"),
        pytest.param(
            {"must_haves": [{"item": "Python", "weight": 3}]},
            "body.must_haves[0].weight",
            "extra_forbidden",
            None,
            id="nested-unknown",
        ),
        pytest.param({"title": DROP}, "body.title", "missing", None, id="no-title"),
        pytest.param({"hiring_manager_id": DROP}, "body.hiring_manager_id", "missing", None),
    ],
)
async def test_invalid_fields_on_create_are_422_at_their_location(
    client, runtime, pair, changes, location, code, message
):
    recruiter, manager = pair
    before = await row_counts(runtime)
    body = with_changes(intake_body(None, manager), changes)
    response = await act(client, recruiter, "POST", BASE, json=body)
    problem = assert_problem(response, location, code)
    if message is not None:
        assert any(message in e["message"] for e in problem["errors"]), problem["errors"]
    assert "request_id" in problem
    assert await row_counts(runtime) == before


async def test_a_lower_case_currency_is_accepted_and_normalised(client, runtime, pair):
    recruiter, manager = pair
    created = await act(
        client, recruiter, "POST", BASE, json=intake_body(None, manager, currency="usd")
    )
    assert created.status_code == 201, created.text
    assert created.json()["currency"] == "USD"
    intake = table_of(Intake).c
    async with runtime.db.engine.connect() as conn:
        stored = (await conn.execute(select(intake.currency))).scalar_one()
    assert stored == "USD"
    etag = created.headers["etag"]
    patched = await act(
        client,
        recruiter,
        "PATCH",
        f"{BASE}/{created.json()['id']}",
        headers={"If-Match": etag},
        json={"currency": "gbp"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["currency"] == "GBP"


async def test_a_pay_range_without_currency_is_refused_on_patch_too(client, runtime, pair):
    recruiter, manager = pair
    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    url, etag = f"{BASE}/{created.json()['id']}", created.headers["etag"]
    before = await row_counts(runtime)
    cleared = await act(
        client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={"currency": None}
    )
    problem = assert_problem(cleared, "body", "inconsistent")
    assert "currency" in problem["detail"]
    low = await act(
        client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={"salary_min": 100001}
    )
    assert_problem(low, "body", "inconsistent")
    assert await row_counts(runtime) == before
    again = await act(client, recruiter, "GET", url)
    assert (again.json()["currency"], again.json()["salary_min"]) == ("EUR", 80000)
    assert again.headers["etag"] == etag


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"shortlist_due_date": "2027-03-02"}, "shortlist_due_date must not be after"),
        ({"target_fill_date": "2027-01-14"}, "shortlist_due_date must not be after"),
    ],
    ids=["move-shortlist-past-stored-fill", "move-fill-before-stored-shortlist"],
)
async def test_changing_one_date_is_checked_against_the_stored_other(
    client, runtime, pair, change, message
):
    recruiter, manager = pair
    # Stored: shortlist 2027-01-15, target fill 2027-03-01.
    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    url, etag = f"{BASE}/{created.json()['id']}", created.headers["etag"]
    before = await row_counts(runtime)
    response = await act(client, recruiter, "PATCH", url, headers={"If-Match": etag}, json=change)
    problem = assert_problem(response, "body", "inconsistent")
    assert message in problem["detail"]
    assert await row_counts(runtime) == before
    stored = await act(client, recruiter, "GET", url)
    assert stored.headers["etag"] == etag
    assert (stored.json()["shortlist_due_date"], stored.json()["target_fill_date"]) == (
        "2027-01-15",
        "2027-03-01",
    )
    # Moving both together, consistently, is fine.
    both = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": etag},
        json={"shortlist_due_date": "2027-03-02", "target_fill_date": "2027-04-01"},
    )
    assert both.status_code == 200, both.text


async def test_unknown_fields_are_refused_on_patch(client, runtime, pair):
    recruiter, manager = pair
    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    url, etag = f"{BASE}/{created.json()['id']}", created.headers["etag"]
    for field, value in (("colour", "blue"), ("status", "open"), ("sign_offs", [])):
        response = await act(
            client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={field: value}
        )
        assert_problem(response, f"body.{field}", "extra_forbidden")
    assert (await act(client, recruiter, "GET", url)).headers["etag"] == etag


# --- People -------------------------------------------------------------------------------


async def test_the_hiring_manager_must_have_a_fitting_role(client, runtime, make_user, pair):
    recruiter, _ = pair
    before = await row_counts(runtime)
    for role in (Role.INTERVIEWER, Role.RECRUITER):
        other = await make_user(role)
        response = await act(client, recruiter, "POST", BASE, json=intake_body(None, other))
        problem = assert_problem(response, "body.hiring_manager_id", "wrong_role")
        assert [e["location"] for e in problem["errors"]] == ["body.hiring_manager_id"]
    # An admin may be the hiring manager.
    boss = await make_user(Role.ADMIN)
    ok = await act(client, recruiter, "POST", BASE, json=intake_body(None, boss))
    assert ok.status_code == 201, ok.text
    after = await row_counts(runtime)
    assert after["intakes"] == before["intakes"] + 1


async def test_an_unknown_or_inactive_hiring_manager_is_unknown_user(client, runtime, make_user):
    recruiter = await make_user(Role.RECRUITER)
    inactive = await make_user(Role.HIRING_MANAGER, active=False)
    before = await row_counts(runtime)
    for user_id in (inactive.id, uuid.uuid4()):
        body = {**intake_body(None, inactive), "hiring_manager_id": str(user_id)}
        response = await act(client, recruiter, "POST", BASE, json=body)
        assert_problem(response, "body.hiring_manager_id", "unknown_user")
    assert await row_counts(runtime) == before


async def test_an_admin_must_name_a_recruiter_with_a_fitting_role(client, runtime, admin, pair):
    recruiter, manager = pair
    before = await row_counts(runtime)
    missing = await act(client, admin, "POST", BASE, json=intake_body(None, manager))
    assert_problem(missing, "body.recruiter_id", "missing")
    wrong = await act(client, admin, "POST", BASE, json=intake_body(manager, manager))
    problem = assert_problem(wrong, "body.recruiter_id", "wrong_role")
    assert {e["code"] for e in problem["errors"]} >= {"wrong_role", "same_person"}
    unknown = await act(
        client,
        admin,
        "POST",
        BASE,
        json={**intake_body(None, manager), "recruiter_id": str(uuid.uuid4())},
    )
    assert_problem(unknown, "body.recruiter_id", "unknown_user")
    assert await row_counts(runtime) == before
    ok = await act(client, admin, "POST", BASE, json=intake_body(recruiter, manager))
    assert ok.status_code == 201, ok.text


async def test_the_recruiter_and_the_hiring_manager_are_different_people(
    client, runtime, make_user
):
    boss = await make_user(Role.ADMIN)
    recruiter = await make_user(Role.RECRUITER)
    before = await row_counts(runtime)
    # An admin may be either party, but not both.
    both = await act(client, boss, "POST", BASE, json=intake_body(boss, boss))
    problem = assert_problem(both, "body.hiring_manager_id", "same_person")
    assert [e["code"] for e in problem["errors"]] == ["same_person"]
    # A recruiter naming themselves as hiring manager.
    own = await act(client, recruiter, "POST", BASE, json=intake_body(None, recruiter))
    assert_problem(own, "body.hiring_manager_id", "same_person")
    assert await row_counts(runtime) == before


async def test_changing_the_hiring_manager_to_the_recruiter_is_refused(client, runtime, make_user):
    """The same-person rule also holds when only the hiring manager changes, even when the
    recruiter is an admin (whose role would fit either party)."""
    boss = await make_user(Role.ADMIN)
    lead = await make_user(Role.ADMIN)
    manager = await make_user(Role.HIRING_MANAGER)
    created = await act(client, boss, "POST", BASE, json=intake_body(lead, manager))
    assert created.status_code == 201, created.text
    url, etag = f"{BASE}/{created.json()['id']}", created.headers["etag"]
    before = await row_counts(runtime)
    response = await act(
        client,
        boss,
        "PATCH",
        url,
        headers={"If-Match": etag},
        json={"hiring_manager_id": str(lead.id)},
    )
    assert_problem(response, "body.hiring_manager_id", "same_person")
    assert await row_counts(runtime) == before
    stored = (await act(client, boss, "GET", url)).json()
    assert stored["hiring_manager_id"] == str(manager.id)


async def test_team_members_must_fit_their_team_role(client, runtime, make_user, pair):
    recruiter, manager = pair
    interviewer = await make_user(Role.INTERVIEWER)
    colleague = await make_user(Role.RECRUITER)
    before = await row_counts(runtime)
    team = [
        {"user_id": str(colleague.id), "team_role": "coordinator"},
        {"user_id": str(interviewer.id), "team_role": "coordinator"},
        {"user_id": str(uuid.uuid4()), "team_role": "interviewer"},
    ]
    response = await act(
        client, recruiter, "POST", BASE, json=intake_body(None, manager, team=team)
    )
    problem = assert_problem(response, "body.team[1].user_id", "wrong_role")
    assert {(e["location"], e["code"]) for e in problem["errors"]} == {
        ("body.team[1].user_id", "wrong_role"),
        ("body.team[2].user_id", "unknown_user"),
    }
    bad_role = await act(
        client,
        recruiter,
        "POST",
        BASE,
        json=intake_body(
            None, manager, team=[{"user_id": str(colleague.id), "team_role": "owner"}]
        ),
    )
    assert_problem(bad_role, "body.team[0].team_role", "literal_error")
    assert await row_counts(runtime) == before
    # Anyone may be an interviewer on the team.
    team_ok = [
        {"user_id": str(colleague.id), "team_role": "coordinator"},
        {"user_id": str(interviewer.id), "team_role": "interviewer"},
    ]
    ok = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager, team=team_ok))
    assert ok.status_code == 201, ok.text
    # The same check on PATCH.
    patched = await act(
        client,
        recruiter,
        "PATCH",
        f"{BASE}/{ok.json()['id']}",
        headers={"If-Match": ok.headers["etag"]},
        json={"team": [{"user_id": str(interviewer.id), "team_role": "coordinator"}]},
    )
    assert_problem(patched, "body.team[0].user_id", "wrong_role")


async def test_answers_must_name_known_questions(client, runtime, admin, pair):
    recruiter, manager = pair
    question = await act(
        client, admin, "POST", "/api/v1/intake-questions", json={"text": "Why is this role open?"}
    )
    assert question.status_code == 201, question.text
    known, unknown = question.json()["id"], str(uuid.uuid4())
    before = await row_counts(runtime)
    body = intake_body(None, manager, answers={known: "Growth", unknown: "Anything"})
    response = await act(client, recruiter, "POST", BASE, json=body)
    problem = assert_problem(response, f"body.answers.{unknown}", "unknown_question")
    assert [e["location"] for e in problem["errors"]] == [f"body.answers.{unknown}"]
    not_uuid = await act(
        client, recruiter, "POST", BASE, json=intake_body(None, manager, answers={"why": "x"})
    )
    assert not_uuid.status_code == 422
    assert await row_counts(runtime) == before

    created = await act(
        client, recruiter, "POST", BASE, json=intake_body(None, manager, answers={known: "Growth"})
    )
    assert created.status_code == 201, created.text
    assert created.json()["answers"] == {known: "Growth"}
    patched = await act(
        client,
        manager,
        "PATCH",
        f"{BASE}/{created.json()['id']}",
        headers={"If-Match": created.headers["etag"]},
        json={"answers": {known: "Growth", unknown: "?"}},
    )
    assert_problem(patched, f"body.answers.{unknown}", "unknown_question")


NOT_EMPTY_FIELDS = (
    "headcount",
    "remote_policy",
    "employment_type",
    "pay_period",
    "feedback_sla_hours",
    "hm_review_sla_hours",
    "recruiter_id",
    "hiring_manager_id",
    "must_haves",
    "nice_to_haves",
    "deal_breakers",
    "selling_points",
    "target_companies",
    "talent_pools",
    "answers",
)


async def test_null_for_a_field_that_cannot_be_empty_is_not_a_500(client, runtime, pair):
    """PATCH null clears optional fields; for fields that always have a value it must be a 422
    at that field (or, for lists, an empty list), never a 500 and never a partial write."""
    recruiter, manager = pair
    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    url, etag = f"{BASE}/{created.json()['id']}", created.headers["etag"]
    wrong = {}
    for field in NOT_EMPTY_FIELDS:
        response = await act(
            client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={field: None}
        )
        if response.status_code == 200:
            if response.json()[field] not in ([], {}):
                wrong[field] = f"200 with {response.json()[field]!r}"
            etag = response.headers["etag"]
        elif response.status_code != 422 or [e["location"] for e in response.json()["errors"]] != [
            f"body.{field}"
        ]:
            wrong[field] = f"{response.status_code} {response.json().get('detail')}"
    assert wrong == {}


async def test_null_clears_an_optional_field(client, pair):
    recruiter, manager = pair
    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    url, etag = f"{BASE}/{created.json()['id']}", created.headers["etag"]
    for field in ("department", "level", "soc_code", "shortlist_due_date", "sync_cadence"):
        response = await act(
            client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={field: None}
        )
        assert response.status_code == 200, (field, response.text)
        assert response.json()[field] is None
        etag = response.headers["etag"]
