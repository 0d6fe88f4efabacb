"""Calibration: exercises with reference ratings (hidden from trainees), and how a trainee's
ratings agree with them, kept on the training record."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from app.core.roles import Role
from tests.support.harness import Actor, MakeApiKey, MakeUser
from tests.support.intakes import act
from tests.support.plans import competency
from tests.support.training import TRAINING, Setting, assigned, setting

EXERCISES = "/api/v1/calibration-exercises"
SAMPLE = "I split the monolith by first measuring which calls crossed module boundaries..."


async def four_competencies(client: httpx.AsyncClient, s: Setting) -> list[str]:
    existing = s.plan["stages"][0]["competencies"][0]["id"]
    others = [await competency(client, s.recruiter, n) for n in ("Coding", "Testing", "Ownership")]
    return [existing, *others]


async def exercise(
    client: httpx.AsyncClient, s: Setting, reference: dict[str, int]
) -> dict[str, Any]:
    response = await act(
        client,
        s.recruiter,
        "POST",
        EXERCISES,
        json={
            "name": "Monolith split",
            "plan_id": s.plan["id"],
            "stage_id": s.stage_ids[0],
            "sample": SAMPLE,
            "reference_ratings": reference,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def calibrate(
    client: httpx.AsyncClient, actor: Actor, record_id: str, exercise_id: str, ratings: Any
) -> httpx.Response:
    return await act(
        client,
        actor,
        "POST",
        f"{TRAINING}/{record_id}/calibrations",
        json={"exercise_id": exercise_id, "ratings": ratings},
    )


async def test_staff_create_exercises_and_trainees_rate_blind(
    client, make_user: MakeUser, make_api_key: MakeApiKey
):
    s = await setting(client, make_user)
    c = await four_competencies(client, s)
    reference = dict(zip(c, (4, 3, 2, 1), strict=True))
    created = await exercise(client, s, reference)
    assert created["reference_ratings"] == reference
    assert (created["plan_id"], created["stage_id"], created["sample"]) == (
        s.plan["id"],
        s.stage_ids[0],
        SAMPLE,
    )
    url = f"{EXERCISES}/{created['id']}"

    body = {"name": "Mine", "sample": SAMPLE, "reference_ratings": reference}
    for actor in (s.trainee, s.manager):
        refused = await act(client, actor, "POST", EXERCISES, json=body)
        assert refused.status_code == 403, refused.text

    admin = await make_user(Role.ADMIN)
    for actor, sees in ((s.recruiter, True), (admin, True), (s.trainee, False), (s.manager, False)):
        one = await act(client, actor, "GET", url)
        assert one.status_code == 200, one.text
        assert one.json()["reference_ratings"] == (reference if sees else None)
        assert one.json()["sample"] == SAMPLE
        listed = (await act(client, actor, "GET", EXERCISES)).json()["data"]
        assert [e["reference_ratings"] for e in listed] == [reference if sees else None]

    key = await make_api_key("training:read")
    assert (await client.get(url, headers=key.headers())).json()["reference_ratings"] == reference
    obo = await make_api_key("training:read", "on_behalf_of")
    for_trainee = await client.get(url, headers=obo.headers(s.trainee.id))
    assert for_trainee.json()["reference_ratings"] is None

    missing = await act(client, s.trainee, "GET", f"{EXERCISES}/{uuid.uuid4()}")
    assert missing.status_code == 404


async def test_exercises_need_known_competencies_and_ratings_from_1_to_4(
    client, make_user: MakeUser
):
    s = await setting(client, make_user)
    c = await four_competencies(client, s)
    unknown = str(uuid.uuid4())
    for reference, location in (
        ({c[0]: 3, unknown: 2}, f"body.reference_ratings.{unknown}"),
        ({c[0]: 5}, f"body.reference_ratings.{c[0]}"),
        ({c[0]: 0}, f"body.reference_ratings.{c[0]}"),
    ):
        response = await act(
            client,
            s.recruiter,
            "POST",
            EXERCISES,
            json={"name": "Bad", "sample": SAMPLE, "reference_ratings": reference},
        )
        assert response.status_code == 422, response.text
        assert [e["location"] for e in response.json()["errors"]] == [location]
    empty = await act(
        client,
        s.recruiter,
        "POST",
        EXERCISES,
        json={"name": "Empty", "sample": SAMPLE, "reference_ratings": {}},
    )
    assert empty.status_code == 422
    assert (await act(client, s.recruiter, "GET", EXERCISES)).json()["data"] == []


async def test_agreement_with_the_reference_is_computed_and_kept(client, make_user: MakeUser):
    s = await setting(client, make_user)
    c = await four_competencies(client, s)
    created = await exercise(client, s, dict(zip(c, (4, 3, 2, 1), strict=True)))
    record = await assigned(client, s.recruiter, s.trainee, s.plan["id"], s.stage_ids[0])

    response = await calibrate(
        client, s.trainee, record["id"], created["id"], dict(zip(c, (4, 2, 4, 1), strict=True))
    )
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["exercise_id"] == created["id"]
    assert (result["exact_agreement"], result["within_one_agreement"]) == (0.5, 0.75)
    per = {
        p["competency_id"]: (p["reference"], p["rating"], p["difference"])
        for p in result["per_competency"]
    }
    assert per == {c[0]: (4, 4, 0), c[1]: (3, 2, -1), c[2]: (2, 4, 2), c[3]: (1, 1, 0)}

    kept = await act(client, s.trainee, "GET", f"{TRAINING}/{record['id']}")
    assert kept.json()["calibrations"] == [result]
    assert kept.json()["state"] == "assigned"  # calibration is practice, not a step

    # A second try is kept too; every rating off by two agrees nowhere.
    second = await calibrate(
        client, s.trainee, record["id"], created["id"], dict(zip(c, (2, 1, 4, 3), strict=True))
    )
    assert second.status_code == 201
    assert (second.json()["exact_agreement"], second.json()["within_one_agreement"]) == (0, 0)
    perfect = await calibrate(
        client, s.recruiter, record["id"], created["id"], dict(zip(c, (4, 3, 2, 1), strict=True))
    )
    assert perfect.status_code == 201, perfect.text
    assert (perfect.json()["exact_agreement"], perfect.json()["within_one_agreement"]) == (1, 1)
    kept = await act(client, s.recruiter, "GET", f"{TRAINING}/{record['id']}")
    assert [k["exact_agreement"] for k in kept.json()["calibrations"]] == [0.5, 0, 1]

    # Thirds are rounded, not truncated to nothing.
    three = await exercise(client, s, dict(zip(c[:3], (3, 3, 3), strict=True)))
    thirds = await calibrate(
        client, s.trainee, record["id"], three["id"], dict(zip(c[:3], (3, 1, 4), strict=True))
    )
    assert (thirds.json()["exact_agreement"], thirds.json()["within_one_agreement"]) == (
        0.3333,
        0.6667,
    )


async def test_calibrations_rate_exactly_the_exercises_competencies(client, make_user: MakeUser):
    s = await setting(client, make_user)
    c = await four_competencies(client, s)
    extra = await competency(client, s.recruiter, "Hiring")
    created = await exercise(client, s, dict(zip(c, (4, 3, 2, 1), strict=True)))
    record = await assigned(client, s.recruiter, s.trainee, s.plan["id"], s.stage_ids[0])

    wrong = {c[0]: 4, c[1]: 3, c[2]: 2, extra: 1}  # c[3] missing, `extra` not in it
    response = await calibrate(client, s.trainee, record["id"], created["id"], wrong)
    assert response.status_code == 422, response.text
    assert {(e["location"], e["code"]) for e in response.json()["errors"]} == {
        (f"body.ratings.{c[3]}", "missing"),
        (f"body.ratings.{extra}", "unknown"),
    }
    for bad in (0, 5, "three", None):
        response = await calibrate(
            client, s.trainee, record["id"], created["id"], {**dict.fromkeys(c, 3), c[2]: bad}
        )
        assert response.status_code == 422, (bad, response.text)
        assert [e["location"] for e in response.json()["errors"]] == [f"body.ratings.{c[2]}"]
    empty = await calibrate(client, s.trainee, record["id"], created["id"], {})
    assert empty.status_code == 422
    no_exercise = await calibrate(
        client, s.trainee, record["id"], str(uuid.uuid4()), dict.fromkeys(c, 3)
    )
    assert no_exercise.status_code == 422
    assert [e["location"] for e in no_exercise.json()["errors"]] == ["body.exercise_id"]
    # Someone else's record is not there for a colleague.
    hidden = await calibrate(client, s.colleague, record["id"], created["id"], dict.fromkeys(c, 3))
    assert hidden.status_code == 404
    kept = await act(client, s.trainee, "GET", f"{TRAINING}/{record['id']}")
    assert kept.json()["calibrations"] == []


async def test_an_integration_calibrates_only_on_behalf_of_someone(
    client, make_user: MakeUser, make_api_key: MakeApiKey
):
    s = await setting(client, make_user)
    c = await four_competencies(client, s)
    created = await exercise(client, s, dict(zip(c, (4, 3, 2, 1), strict=True)))
    record = await assigned(client, s.recruiter, s.trainee, s.plan["id"], s.stage_ids[0])
    key = await make_api_key("training:write", "on_behalf_of")
    url = f"{TRAINING}/{record['id']}/calibrations"
    body = {"exercise_id": created["id"], "ratings": dict(zip(c, (4, 3, 2, 2), strict=True))}
    alone = await client.post(url, json=body, headers=key.headers())
    assert alone.status_code == 403, alone.text
    assert "On-Behalf-Of" in alone.json()["detail"]
    for_trainee = await client.post(url, json=body, headers=key.headers(s.trainee.id))
    assert for_trainee.status_code == 201, for_trainee.text
    assert for_trainee.json()["exact_agreement"] == 0.75
    for_colleague = await client.post(url, json=body, headers=key.headers(s.colleague.id))
    assert for_colleague.status_code == 404
    kept = await act(client, s.trainee, "GET", f"{TRAINING}/{record['id']}")
    assert len(kept.json()["calibrations"]) == 1


async def test_hiring_managers_calibrate_only_their_own_training(client, make_user: MakeUser):
    """The matrix: hiring managers and interviewers calibrate their own records only; a
    hiring manager who coaches a trainee does not rate in the trainee's name."""
    s = await setting(client, make_user)
    c = await four_competencies(client, s)
    created = await exercise(client, s, dict(zip(c, (4, 3, 2, 1), strict=True)))
    trainees = await assigned(client, s.recruiter, s.trainee, s.plan["id"], s.stage_ids[0])
    managers = await assigned(client, s.recruiter, s.manager, s.plan["id"], s.stage_ids[1])
    ratings = dict.fromkeys(c, 3)
    own = await calibrate(client, s.manager, managers["id"], created["id"], ratings)
    assert own.status_code == 201, own.text
    coached = await calibrate(client, s.manager, trainees["id"], created["id"], ratings)
    assert coached.status_code == 403, coached.text
    kept = await act(client, s.trainee, "GET", f"{TRAINING}/{trainees['id']}")
    assert kept.json()["calibrations"] == []
