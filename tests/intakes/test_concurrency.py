"""Concurrent writes to one intake: If-Match lets exactly one of two racing changes win.

On SQLite write transactions serialise (BEGIN IMMEDIATE); on PostgreSQL the intake row is
locked with SELECT ... FOR UPDATE, so the second writer sees the first one's version.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from app.core.roles import Role
from app.models.base import table_of
from app.models.intakes import Intake, IntakeRevision
from app.platform.runtime import Runtime
from tests.support.intakes import BASE, act, agreed_intake, events_of, intake_body


async def count(runtime: Runtime, model: type) -> int:
    async with runtime.db.engine.connect() as conn:
        table = table_of(model)
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_two_patches_with_the_same_etag_exactly_one_wins(client, make_user, runtime):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    intake_id = created.json()["id"]
    url, etag = f"{BASE}/{intake_id}", created.headers["etag"]

    first, second = await asyncio.gather(
        act(client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={"level": "Staff"}),
        act(
            client, manager, "PATCH", url, headers={"If-Match": etag}, json={"deal_breakers": ["x"]}
        ),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 412], (
        first.text,
        second.text,
    )
    winner, loser = (first, second) if first.status_code == 200 else (second, first)
    assert loser.json()["type"] == "/problems/precondition-failed"
    assert loser.json()["current_etag"] == winner.headers["etag"]

    stored = await act(client, recruiter, "GET", url)
    assert stored.headers["etag"] == winner.headers["etag"] != etag
    body = stored.json()
    applied = {"level": body["level"] == "Staff", "deal_breakers": body["deal_breakers"] == ["x"]}
    assert sorted(applied.values()) == [False, True], body  # exactly one change is stored
    assert (body["level"] == "Staff") == (winner is first)
    assert await events_of(runtime, intake_id) == ["intake.created", "intake.updated"]


async def test_racing_changes_to_a_reviewed_intake_make_one_revision(client, make_user, runtime):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    url = await agreed_intake(client, recruiter, manager)
    intake_id = url.rsplit("/", 1)[1]
    etag = (await act(client, recruiter, "GET", url)).headers["etag"]
    revisions_before = await count(runtime, IntakeRevision)

    responses = await asyncio.gather(
        *(
            act(client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={"headcount": n})
            for n in (3, 4, 5)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 412, 412]
    winner = next(r for r in responses if r.status_code == 200)
    stored = (await act(client, recruiter, "GET", url)).json()
    assert stored["headcount"] == winner.json()["headcount"]
    assert (stored["revision"], stored["status"], stored["sign_offs"]) == (2, "in_review", [])
    assert await count(runtime, IntakeRevision) == revisions_before + 1
    assert (await events_of(runtime, intake_id)).count("intake.updated") == 1


async def test_both_parties_signing_at_once_agree_once(client, make_user, runtime):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    intake_id = created.json()["id"]
    url = f"{BASE}/{intake_id}"
    assert (await act(client, recruiter, "POST", f"{url}/submit-for-review")).status_code == 200

    signed = await asyncio.gather(
        act(client, recruiter, "POST", f"{url}/sign-off", json={"revision": 1}),
        act(client, manager, "POST", f"{url}/sign-off", json={"revision": 1}),
    )
    assert [r.status_code for r in signed] == [200, 200], [r.text for r in signed]
    stored = (await act(client, recruiter, "GET", url)).json()
    assert (stored["status"], stored["sign_off_status"], stored["agreed_revision"]) == (
        "agreed",
        "signed",
        1,
    )
    assert sorted(s["party"] for s in stored["sign_offs"]) == ["hiring_manager", "recruiter"]
    events = await events_of(runtime, intake_id)
    assert events.count("intake.signed_off") == 2
    assert events.count("intake.agreed") == 1


async def test_racing_first_upserts_of_one_external_id_make_one_intake(
    client, make_user, make_api_key, runtime
):
    """An ATS that retries before the first call answered must not get two intakes or a 500."""
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    key = await make_api_key("intakes:write")
    body = intake_body(recruiter, manager)
    url = f"{BASE}/by-external-id/greenhouse/race-1"
    # Authenticate once first, so the racing calls do not queue behind the key's bookkeeping.
    assert (await client.get(BASE, headers=key.headers())).status_code == 200
    responses = await asyncio.gather(
        *(client.put(url, headers=key.headers(), json=body) for _ in range(5))
    )
    statuses = sorted(r.status_code for r in responses)
    assert all(s < 500 for s in statuses), [r.text for r in responses if r.status_code >= 500]
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {200, 201, 409}, statuses
    assert await count(runtime, Intake) == 1
