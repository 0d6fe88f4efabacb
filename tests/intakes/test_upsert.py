"""PUT /intakes/by-external-id/{source}/{external_id}: an ATS syncs intakes idempotently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.core.roles import Role
from app.models.base import table_of
from app.models.intakes import Intake, IntakeRevision
from app.platform.runtime import Runtime
from tests.support.harness import Actor
from tests.support.intakes import BASE, act, events_of, intake_body

UPSERT = f"{BASE}/by-external-id"


async def count(runtime: Runtime, model: type) -> int:
    async with runtime.db.engine.connect() as conn:
        table = table_of(model)
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


def ats_body(recruiter: Actor | None, manager: Actor, **extra: Any) -> dict[str, Any]:
    """A full intake as an ATS sends it (every requirement with its why)."""
    return intake_body(
        recruiter,
        manager,
        nice_to_haves=[{"item": "PostgreSQL tuning", "why": "Our biggest cost"}],
        **extra,
    )


def without(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in keys}


async def test_an_api_key_upsert_is_idempotent(client, make_user, make_api_key, runtime):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    key = await make_api_key("intakes:write")
    body = ats_body(recruiter, manager)
    url = f"{UPSERT}/greenhouse/42"

    created = await client.put(url, headers=key.headers(), json=body)
    assert created.status_code == 201, created.text
    intake = created.json()
    assert created.headers["location"] == f"{BASE}/{intake['id']}"
    assert intake["external_ids"] == [{"source": "greenhouse", "external_id": "42"}]
    assert intake["recruiter_id"] == str(recruiter.id)
    read = await client.get(f"{BASE}/{intake['id']}", headers=key.headers())
    assert read.json()["external_ids"] == [{"source": "greenhouse", "external_id": "42"}]
    assert read.headers["etag"] == created.headers["etag"]

    # Reviewed intakes get a revision per change: a repeat must make none.
    submitted = await client.post(f"{BASE}/{intake['id']}/submit-for-review", headers=key.headers())
    assert submitted.status_code == 200, submitted.text
    revisions = await count(runtime, IntakeRevision)
    events = await events_of(runtime, intake["id"])

    again = await client.put(url, headers=key.headers(), json=body)
    assert again.status_code == 200, again.text
    assert again.headers["etag"] == submitted.headers["etag"]
    assert again.json()["revision"] == 1
    assert again.json() == {**submitted.json(), "updated_at": again.json()["updated_at"]}
    assert again.json()["updated_at"] == submitted.json()["updated_at"]
    assert await count(runtime, IntakeRevision) == revisions
    assert await events_of(runtime, intake["id"]) == events
    assert await count(runtime, Intake) == 1

    # A changed body is applied, as one revision and one event.
    changed = await client.put(url, headers=key.headers(), json={**body, "title": "Staff Engineer"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Staff Engineer"
    assert changed.json()["revision"] == 2
    assert changed.headers["etag"] != again.headers["etag"]
    assert await count(runtime, IntakeRevision) == revisions + 1
    assert (await events_of(runtime, intake["id"]))[len(events) :] == ["intake.updated"]
    assert await count(runtime, Intake) == 1


async def test_the_upsert_body_replaces_the_whole_intake(client, make_user, make_api_key):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    key = await make_api_key("intakes:write")
    url = f"{UPSERT}/greenhouse/43"
    body = ats_body(recruiter, manager, employment_type="contract", deal_breakers=["None"])
    assert (await client.put(url, headers=key.headers(), json=body)).status_code == 201
    replaced = await client.put(
        url,
        headers=key.headers(),
        json=without(body, "department", "employment_type", "deal_breakers"),
    )
    assert replaced.status_code == 200, replaced.text
    out = replaced.json()
    assert (out["department"], out["employment_type"], out["deal_breakers"]) == (
        None,
        "full_time",
        [],
    )
    assert out["recruiter_id"] == str(recruiter.id)


async def test_the_same_id_from_another_source_is_another_intake(client, make_user, make_api_key):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    key = await make_api_key("intakes:write")
    body = ats_body(recruiter, manager)
    greenhouse = await client.put(f"{UPSERT}/greenhouse/42", headers=key.headers(), json=body)
    lever = await client.put(f"{UPSERT}/lever/42", headers=key.headers(), json=body)
    assert (greenhouse.status_code, lever.status_code) == (201, 201)
    assert greenhouse.json()["id"] != lever.json()["id"]
    assert lever.json()["external_ids"] == [{"source": "lever", "external_id": "42"}]
    listed = await client.get(BASE, headers=key.headers())
    assert len(listed.json()["data"]) == 2

    # Extra ids in the body are linked too and shown on reads.
    more = await client.put(
        f"{UPSERT}/lever/42",
        headers=key.headers(),
        json={**body, "external_ids": [{"source": "workday", "external_id": "R-1"}]},
    )
    assert more.status_code == 200, more.text
    read = await client.get(f"{BASE}/{lever.json()['id']}", headers=key.headers())
    assert read.json()["external_ids"] == [
        {"source": "lever", "external_id": "42"},
        {"source": "workday", "external_id": "R-1"},
    ]
    by_alias = await client.put(f"{UPSERT}/workday/R-1", headers=key.headers(), json=body)
    assert by_alias.status_code == 200
    assert by_alias.json()["id"] == lever.json()["id"]


async def test_if_match_is_optional_but_checked_when_sent(client, make_user, make_api_key):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    key = await make_api_key("intakes:write")
    body = ats_body(recruiter, manager)
    url = f"{UPSERT}/greenhouse/44"
    created = await client.put(url, headers=key.headers(), json=body)
    etag = created.headers["etag"]
    changed = await client.put(url, headers=key.headers(), json={**body, "level": "Staff"})
    assert changed.status_code == 200, changed.text
    stale = await client.put(
        url, headers={**key.headers(), "If-Match": etag}, json={**body, "level": "Principal"}
    )
    assert stale.status_code == 412, stale.text
    assert stale.json()["current_etag"] == changed.headers["etag"]
    current = await client.put(
        url,
        headers={**key.headers(), "If-Match": changed.headers["etag"]},
        json={**body, "level": "Principal"},
    )
    assert current.status_code == 200, current.text
    read = await client.get(f"{BASE}/{created.json()['id']}", headers=key.headers())
    assert read.json()["level"] == "Principal"


async def test_who_may_upsert(client, make_user, make_api_key, runtime):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    body = ats_body(recruiter, manager)
    url = f"{UPSERT}/greenhouse/45"
    reader = await make_api_key("intakes:read")
    assert (await client.put(url, headers=reader.headers(), json=body)).status_code == 403
    assert (await act(client, manager, "PUT", url, json=body)).status_code == 403
    writer = await make_api_key("intakes:write")
    no_recruiter = await client.put(
        url, headers=writer.headers(), json=without(body, "recruiter_id")
    )
    assert no_recruiter.status_code == 422
    assert [e["location"] for e in no_recruiter.json()["errors"]] == ["body.recruiter_id"]
    other = await make_user(Role.RECRUITER)
    not_theirs = await act(client, other, "PUT", url, json=body)
    assert not_theirs.status_code == 403, not_theirs.text
    assert await count(runtime, Intake) == 0


async def test_a_recruiters_upsert_is_idempotent(client, make_user, runtime):
    """A recruiter leaves out recruiter_id (they own what they create) on every call."""
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    body = ats_body(None, manager)
    url = f"{UPSERT}/greenhouse/46"
    created = await act(client, recruiter, "PUT", url, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["recruiter_id"] == str(recruiter.id)
    events = await events_of(runtime, created.json()["id"])

    again = await act(client, recruiter, "PUT", url, json=body)
    assert again.status_code == 200, again.text
    assert again.headers["etag"] == created.headers["etag"]
    assert again.json()["recruiter_id"] == str(recruiter.id)
    assert await events_of(runtime, created.json()["id"]) == events

    changed = await act(client, recruiter, "PUT", url, json={**body, "headcount": 5})
    assert changed.status_code == 200, changed.text
    assert changed.json()["headcount"] == 5
    assert changed.json()["recruiter_id"] == str(recruiter.id)


async def test_an_upsert_with_a_team_is_idempotent(client, make_user, make_api_key, runtime):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    coordinator = await make_user(Role.RECRUITER)
    interviewer = await make_user(Role.INTERVIEWER)
    key = await make_api_key("intakes:write")
    team = [
        {"user_id": str(interviewer.id), "team_role": "interviewer"},
        {"user_id": str(coordinator.id), "team_role": "coordinator"},
    ]
    body = ats_body(recruiter, manager, team=team)
    url = f"{UPSERT}/greenhouse/47"
    created = await client.put(url, headers=key.headers(), json=body)
    assert created.status_code == 201, created.text
    again = await client.put(url, headers=key.headers(), json=body)
    assert again.status_code == 200, again.text
    assert again.headers["etag"] == created.headers["etag"]
    assert await events_of(runtime, created.json()["id"]) == ["intake.created"]


async def test_an_upsert_naming_the_hiring_manager_as_interviewer_is_idempotent(
    client, make_user, make_api_key, runtime
):
    """ATSs list the hiring manager among the interviewers; a repeat must still change nothing
    (the team keeps the hiring manager once, in their own role)."""
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    key = await make_api_key("intakes:write")
    team = [{"user_id": str(manager.id), "team_role": "interviewer"}]
    body = ats_body(recruiter, manager, team=team)
    url = f"{UPSERT}/greenhouse/48"
    created = await client.put(url, headers=key.headers(), json=body)
    assert created.status_code == 201, created.text
    assert [m["team_role"] for m in created.json()["team"]] == ["recruiter", "hiring_manager"]
    again = await client.put(url, headers=key.headers(), json=body)
    assert again.status_code == 200, again.text
    assert again.headers["etag"] == created.headers["etag"]
    assert await events_of(runtime, created.json()["id"]) == ["intake.created"]


async def test_repeating_an_upsert_with_a_requirement_without_why_changes_nothing(
    client, make_user, make_api_key, runtime
):
    """`why` is optional on must-haves and nice-to-haves; a repeat of such a body must not be
    taken for a (material) change that sends an agreed intake back to review."""
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    key = await make_api_key("intakes:write")
    body = intake_body(recruiter, manager)  # its nice-to-have has no why
    assert body["nice_to_haves"] == [{"item": "PostgreSQL tuning"}]
    url = f"{UPSERT}/greenhouse/49"
    created = await client.put(url, headers=key.headers(), json=body)
    assert created.status_code == 201, created.text
    intake_url = f"{BASE}/{created.json()['id']}"
    await client.post(f"{intake_url}/submit-for-review", headers=key.headers())
    await act(client, recruiter, "POST", f"{intake_url}/sign-off", json={"revision": 1})
    agreed = await act(client, manager, "POST", f"{intake_url}/sign-off", json={"revision": 1})
    assert agreed.json()["status"] == "agreed", agreed.text
    events = await events_of(runtime, created.json()["id"])

    again = await client.put(url, headers=key.headers(), json=body)
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["revision"]) == ("agreed", 1)
    assert again.headers["etag"] == agreed.headers["etag"]
    assert await events_of(runtime, created.json()["id"]) == events


async def test_a_create_retried_with_its_idempotency_key_makes_one_intake(
    client, make_user, runtime
):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    body = ats_body(None, manager)
    headers = {"Idempotency-Key": "create-intake-1"}
    first = await act(client, recruiter, "POST", BASE, headers=headers, json=body)
    assert first.status_code == 201, first.text
    retry = await act(client, recruiter, "POST", BASE, headers=headers, json=body)
    assert retry.status_code == 201, retry.text
    assert retry.json() == first.json()
    assert retry.headers["etag"] == first.headers["etag"]
    assert await count(runtime, Intake) == 1
    assert await events_of(runtime, first.json()["id"]) == ["intake.created"]
    other = await act(client, recruiter, "POST", BASE, headers=headers, json={**body, "level": "X"})
    assert other.status_code == 422, other.text
    assert await count(runtime, Intake) == 1
