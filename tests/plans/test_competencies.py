"""The competency library: rubrics, unique names, If-Match, ordering and who may change it."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.roles import Role
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import act
from tests.support.plans import RUBRIC

BASE = "/api/v1/competencies"


def competency_body(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": f"{name} in practice", "rubric": RUBRIC, **extra}


async def create(client: httpx.AsyncClient, actor: Actor, name: str, **extra: Any) -> Any:
    response = await act(client, actor, "POST", BASE, json=competency_body(name, **extra))
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_competency_is_created_with_its_full_rubric(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    rubric = {
        "1": "Cannot explain any design they worked on.",
        "2": "Describes a design, but not the trade-offs.",
        "3": "Explains the trade-offs of a design they led.",
        "4": "Compares alternatives with numbers and outcomes.",
    }
    created = await act(
        client,
        recruiter,
        "POST",
        BASE,
        json={
            "name": "System design",
            "description": "Designing services that last",
            "category": "Technical",
            "rubric": rubric,
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["rubric"] == rubric
    assert (body["name"], body["category"]) == ("System design", "Technical")
    assert created.headers["location"] == f"{BASE}/{body['id']}"
    assert created.headers["etag"] == '"1"'
    fetched = await act(client, recruiter, "GET", f"{BASE}/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == body


async def test_a_rubric_needs_all_four_levels(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    for level in ("1", "2", "3", "4"):
        rubric = {k: v for k, v in RUBRIC.items() if k != level}
        response = await act(
            client, recruiter, "POST", BASE, json={"name": f"Missing {level}", "rubric": rubric}
        )
        assert response.status_code == 422, response.text
        assert [e["location"] for e in response.json()["errors"]] == [f"body.rubric.{level}"]
    blank = await act(
        client, recruiter, "POST", BASE, json={"name": "Blank", "rubric": {**RUBRIC, "3": "  "}}
    )
    assert blank.status_code == 422
    assert [e["location"] for e in blank.json()["errors"]] == ["body.rubric.3"]
    fifth = await act(
        client, recruiter, "POST", BASE, json={"name": "Five", "rubric": {**RUBRIC, "5": "Wow"}}
    )
    assert fifth.status_code == 422
    assert [e["location"] for e in fifth.json()["errors"]] == ["body.rubric.5"]
    no_rubric = await act(client, recruiter, "POST", BASE, json={"name": "No rubric"})
    assert no_rubric.status_code == 422
    assert [e["location"] for e in no_rubric.json()["errors"]] == ["body.rubric"]
    # Nothing was written.
    assert (await act(client, recruiter, "GET", BASE)).json()["data"] == []


async def test_competency_names_are_unique(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    await create(client, recruiter, "Communication")
    other = await create(client, recruiter, "Ownership")
    again = await act(client, recruiter, "POST", BASE, json=competency_body("Communication"))
    assert again.status_code == 409, again.text
    assert "Communication" in again.json()["detail"]
    renamed = await act(
        client,
        recruiter,
        "PATCH",
        f"{BASE}/{other['id']}",
        headers={"If-Match": '"1"'},
        json={"name": "Communication"},
    )
    assert renamed.status_code == 409, renamed.text
    unchanged = await act(client, recruiter, "GET", f"{BASE}/{other['id']}")
    assert unchanged.json()["name"] == "Ownership"
    assert len((await act(client, recruiter, "GET", BASE)).json()["data"]) == 2


async def test_changing_a_competency_needs_a_current_etag(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    created = await create(client, recruiter, "Testing", category="Technical")
    url = f"{BASE}/{created['id']}"
    new_rubric = {**RUBRIC, "4": "Designs the test strategy for the team"}

    missing = await act(client, recruiter, "PATCH", url, json={"rubric": new_rubric})
    assert missing.status_code == 428, missing.text
    stale = await act(
        client, recruiter, "PATCH", url, headers={"If-Match": '"7"'}, json={"rubric": new_rubric}
    )
    assert stale.status_code == 412, stale.text
    assert (await act(client, recruiter, "GET", url)).json()["rubric"] == RUBRIC

    changed = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": '"1"'},
        json={"rubric": new_rubric, "category": "Quality"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert (changed.json()["rubric"], changed.json()["category"]) == (new_rubric, "Quality")
    assert changed.json()["name"] == "Testing"  # a partial update
    # The old ETag is stale now.
    reused = await act(
        client, recruiter, "PATCH", url, headers={"If-Match": '"1"'}, json={"category": "Other"}
    )
    assert reused.status_code == 412
    assert (await act(client, recruiter, "GET", url)).json()["category"] == "Quality"


async def test_the_library_is_listed_by_name_and_filtered_by_category(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    for name, category in (
        ("Delta testing", "Technical"),
        ("Alpha ownership", "Behaviour"),
        ("Charlie design", "Technical"),
        ("Bravo communication", "Behaviour"),
        ("Echo coding", "Technical"),
    ):
        await create(client, recruiter, name, category=category)
    everything = await act(client, recruiter, "GET", BASE)
    assert [c["name"] for c in everything.json()["data"]] == [
        "Alpha ownership",
        "Bravo communication",
        "Charlie design",
        "Delta testing",
        "Echo coding",
    ]
    technical = await act(client, recruiter, "GET", BASE, params={"category": "Technical"})
    assert [c["name"] for c in technical.json()["data"]] == [
        "Charlie design",
        "Delta testing",
        "Echo coding",
    ]
    first = await act(client, recruiter, "GET", BASE, params={"category": "Technical", "limit": 2})
    assert [c["name"] for c in first.json()["data"]] == ["Charlie design", "Delta testing"]
    assert first.json()["has_more"] is True
    second = await act(
        client,
        recruiter,
        "GET",
        BASE,
        params={"category": "Technical", "limit": 2, "cursor": first.json()["next_cursor"]},
    )
    assert [c["name"] for c in second.json()["data"]] == ["Echo coding"]
    assert second.json()["has_more"] is False


async def test_interviewers_read_the_library_but_do_not_change_it(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    interviewer = await make_user(Role.INTERVIEWER)
    manager = await make_user(Role.HIRING_MANAGER)
    created = await create(client, recruiter, "Craft")
    url = f"{BASE}/{created['id']}"
    assert (await act(client, interviewer, "GET", BASE)).json()["data"][0]["id"] == created["id"]
    assert (await act(client, interviewer, "GET", url)).status_code == 200
    for actor in (interviewer, manager):
        refused = await act(client, actor, "POST", BASE, json=competency_body("Mine"))
        assert refused.status_code == 403, refused.text
        patched = await act(
            client, actor, "PATCH", url, headers={"If-Match": '"1"'}, json={"category": "X"}
        )
        assert patched.status_code == 403, patched.text
    assert [c["name"] for c in (await act(client, recruiter, "GET", BASE)).json()["data"]] == [
        "Craft"
    ]
    assert (await act(client, recruiter, "GET", url)).json()["category"] is None


async def test_name_and_rubric_cannot_be_nulled(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    created = await create(client, recruiter, "Resilience", category="Behaviour")
    url = f"{BASE}/{created['id']}"
    etag = (await act(client, recruiter, "GET", url)).headers["etag"]
    for field in ("name", "rubric"):
        response = await act(
            client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={field: None}
        )
        assert response.status_code == 422, field
        assert response.json()["errors"][0]["location"] == f"body.{field}"
    cleared = await act(
        client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={"category": None}
    )
    assert cleared.status_code == 200
    assert cleared.json()["category"] is None
