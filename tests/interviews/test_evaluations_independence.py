"""Who sees which evaluation: the intake's deciders see every one; an interviewer sees
colleagues' evaluations of an application only after submitting their own, and nobody but
the author sees what an unsubmitted one says. The same rule holds for direct reads, every
list filter and /me/evaluations; only the author writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from app.core.roles import Role
from app.platform.runtime import Runtime
from tests.support.candidates import subject_events
from tests.support.evaluations import (
    EVALUATIONS,
    MINE,
    Loop,
    another_application,
    complete,
    listed,
    loop,
    own_evaluation,
    read,
    save,
    schedule,
    submit,
    submitted,
)
from tests.support.harness import Actor, MakeApiKey, MakeUser, ManualClock
from tests.support.intakes import act

CONTENT = ("ratings", "recommendation", "summary")


@dataclass
class Panels:
    setting: Loop
    first: dict[str, Any]  # interview 1 of the application: interviewers A and B
    second: dict[str, Any]  # interview 2 of the same application: interviewer C
    elsewhere: dict[str, Any]  # an interview of another application: interviewer A
    ids: dict[str, str]  # "A", "B", "C", "A-elsewhere" -> evaluation id


async def panels(client: httpx.AsyncClient, make_user: MakeUser, clock: ManualClock) -> Panels:
    setting = await loop(client, make_user)
    a, b, c = setting.interviewers
    start = clock.now - timedelta(hours=6)
    first = await schedule(
        client, setting, [(a, "interviewer"), (b, "interviewer")], starts_at=start
    )
    second = await schedule(
        client, setting, [(c, "interviewer")], starts_at=start + timedelta(hours=2)
    )
    other_application = await another_application(client, setting, "Grace Hopper")
    elsewhere = await schedule(
        client,
        setting,
        [(a, "interviewer")],
        starts_at=start + timedelta(hours=4),
        application_id=other_application,
    )
    ids = {
        "A": (await own_evaluation(client, a, first["id"]))["id"],
        "B": (await own_evaluation(client, b, first["id"]))["id"],
        "C": (await own_evaluation(client, c, second["id"]))["id"],
        "A-elsewhere": (await own_evaluation(client, a, elsewhere["id"]))["id"],
    }
    return Panels(setting, first, second, elsewhere, ids)


async def visible_ids(client: httpx.AsyncClient, actor: Actor, **params: Any) -> set[str]:
    return {r["id"] for r in await listed(client, actor, **params)}


def shows_content(row: dict[str, Any]) -> bool:
    return bool(row["ratings"]) or row["recommendation"] is not None or row["summary"] is not None


async def test_colleagues_evaluations_appear_only_after_submitting_ones_own(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    p = await panels(client, make_user, manual_clock)
    setting = p.setting
    a, b, c = setting.interviewers
    ids = p.ids
    # B drafts; C submits.
    drafted = await save(client, b, ids["B"], complete(setting, recommendation="strong_no"))
    assert drafted.status_code == 200, drafted.text
    await submitted(client, setting, c, ids["C"], recommendation="yes")

    # Before A submits: A sees only A's own, through every door.
    for colleague in ("B", "C"):
        hidden = await read(client, a, ids[colleague])
        assert hidden.status_code == 404, hidden.text
    assert (await read(client, a, ids["A"])).status_code == 200
    own = {ids["A"], ids["A-elsewhere"]}
    filters: list[dict[str, Any]] = [
        {},
        {"application_id": setting.application_id},
        {"interview_id": p.first["id"]},
        {"interview_id": p.second["id"]},
        {"interviewer_id": str(b.id)},
        {"interviewer_id": str(c.id)},
        {"intake_id": setting.intake_id},
        {"status": "draft"},
        {"status": "submitted"},
        {"status": "pending"},
        {"status": "overdue"},
        {"updated_since": (manual_clock.now - timedelta(days=1)).isoformat()},
    ]
    for params in filters:
        assert await visible_ids(client, a, **params) <= own, params
    assert await visible_ids(client, a, interviewer_id=str(b.id)) == set()
    assert await visible_ids(client, a, status="submitted") == set()
    # Paging with a tiny page does not leak either.
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (await act(client, a, "GET", EVALUATIONS, params=params)).json()
        seen += [r["id"] for r in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(own)
    assert {r["id"] for r in await listed(client, a, MINE)} == own

    # Submitting an evaluation of ANOTHER application opens nothing here.
    await submitted(client, setting, a, ids["A-elsewhere"])
    assert (await read(client, a, ids["C"])).status_code == 404
    assert await visible_ids(client, a, application_id=setting.application_id) == {ids["A"]}

    # A submits: colleagues' evaluations of the application appear (both interviews), but a
    # draft still shows no content to anyone but its author.
    await submitted(client, setting, a, ids["A"])
    expected = {ids["A"], ids["B"], ids["C"]}
    assert await visible_ids(client, a, application_id=setting.application_id) == expected
    assert await visible_ids(client, a, interviewer_id=str(b.id)) == {ids["B"]}
    assert await visible_ids(client, a, status="submitted") == {
        ids["A"],
        ids["C"],
        ids["A-elsewhere"],
    }
    b_read = await read(client, a, ids["B"])
    assert b_read.status_code == 200, b_read.text
    assert b_read.json()["status"] == "draft"
    assert not shows_content(b_read.json())
    c_read = (await read(client, a, ids["C"])).json()
    assert c_read["recommendation"] == "yes"
    assert c_read["ratings"][0]["rating"] == 3
    # /me stays one's own.
    assert {r["id"] for r in await listed(client, a, MINE)} == {ids["A"], ids["A-elsewhere"]}

    # B, not yet submitted, still sees neither A's nor C's, but sees their own draft in full.
    assert (await read(client, b, ids["A"])).status_code == 404
    assert await visible_ids(client, b) == {ids["B"]}
    own_draft = (await read(client, b, ids["B"])).json()
    assert own_draft["recommendation"] == "strong_no"
    assert shows_content(own_draft)


async def test_the_intakes_deciders_see_everything_but_unsubmitted_content(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    p = await panels(client, make_user, manual_clock)
    setting = p.setting
    _a, b, c = setting.interviewers
    ids = p.ids
    await save(client, b, ids["B"], complete(setting, recommendation="no"))
    await submitted(client, setting, c, ids["C"], recommendation="strong_yes")
    admin = await make_user(Role.ADMIN)
    off_recruiter = await make_user(Role.RECRUITER)
    off_manager = await make_user(Role.HIRING_MANAGER)
    stranger = await make_user(Role.INTERVIEWER)
    every = set(ids.values())

    for who in (admin, setting.recruiter, setting.coordinator, setting.manager):
        assert await visible_ids(client, who) == every, who.user.role
        assert await visible_ids(client, who, status="draft") == {ids["B"]}
        assert await visible_ids(client, who, interview_id=p.first["id"]) == {ids["A"], ids["B"]}
        draft = (await read(client, who, ids["B"])).json()
        assert draft["status"] == "draft"
        assert not shows_content(draft), who.user.role
        done = (await read(client, who, ids["C"])).json()
        assert done["recommendation"] == "strong_yes", who.user.role
        assert await listed(client, who, MINE) == []

    # Off the team (or only a trainee on it), nothing is visible.
    for who in (off_recruiter, off_manager, stranger, setting.trainee):
        assert await visible_ids(client, who) == set(), who.user.role
        for evaluation_id in ids.values():
            response = await read(client, who, evaluation_id)
            assert response.status_code == 404, (who.user.role, response.text)
        assert await listed(client, who, MINE) == []


async def test_only_the_author_writes(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    p = await panels(client, make_user, manual_clock)
    setting = p.setting
    a, b, _c = setting.interviewers
    ids = p.ids
    admin = await make_user(Role.ADMIN)
    off_recruiter = await make_user(Role.RECRUITER)
    target = ids["B"]
    etag = (await read(client, b, target)).headers["etag"]

    async def attempts(actor: Actor) -> list[int]:
        url = f"{EVALUATIONS}/{target}"
        headers = {"If-Match": etag}
        body = complete(setting)
        return [
            (await act(client, actor, "PATCH", url, headers=headers, json=body)).status_code,
            (await act(client, actor, "POST", f"{url}/submit")).status_code,
            (
                await act(client, actor, "POST", f"{url}/amend", json={**body, "reason": "x"})
            ).status_code,
        ]

    # Those who see it may not write it: 403; those who do not see it: 404.
    for who in (admin, setting.recruiter, setting.manager, setting.coordinator):
        assert await attempts(who) == [403, 403, 403], who.user.role
    for who in (off_recruiter, a, setting.trainee):
        assert await attempts(who) == [404, 404, 404], who.user.role
    await submitted(client, setting, a, ids["A"])
    assert await attempts(a) == [403, 403, 403]
    after = (await read(client, b, target)).json()
    assert (after["status"], after["ratings"]) == ("pending", [])
    assert [t for t, _ in await subject_events(runtime, target)] == []

    # The author can.
    assert (await save(client, b, target, complete(setting), etag=etag)).status_code == 200
    assert (await submit(client, b, target)).status_code == 200


async def test_api_keys_read_everything_and_write_only_for_the_author(
    client, make_user: MakeUser, make_api_key: MakeApiKey, manual_clock: ManualClock
):
    p = await panels(client, make_user, manual_clock)
    setting = p.setting
    a, b, c = setting.interviewers
    ids = p.ids
    await save(client, b, ids["B"], complete(setting, recommendation="no"))
    await submitted(client, setting, c, ids["C"], recommendation="yes")
    reader = await make_api_key("evaluations:read")
    writer = await make_api_key("evaluations:write", "on_behalf_of")
    lacking = await make_api_key("applications:read", "interviews:read")

    # Reading: every evaluation, content of submitted ones only.
    response = await client.get(EVALUATIONS, headers=reader.headers(), params={"limit": 200})
    assert response.status_code == 200, response.text
    rows = {r["id"]: r for r in response.json()["data"]}
    assert set(rows) == set(ids.values())
    assert not shows_content(rows[ids["B"]])
    assert rows[ids["C"]]["recommendation"] == "yes"
    single = await client.get(f"{EVALUATIONS}/{ids['C']}", headers=reader.headers())
    assert single.status_code == 200, single.text
    assert (await client.get(EVALUATIONS, headers=lacking.headers())).status_code == 403
    # /me needs a person.
    assert (await client.get(MINE, headers=reader.headers())).status_code == 403

    # Writing needs On-Behalf-Of, and then it is that person's right that counts.
    url = f"{EVALUATIONS}/{ids['A']}"
    etag = (await read(client, a, ids["A"])).headers["etag"]
    body = complete(setting)
    plain = await client.patch(url, headers={**writer.headers(), "If-Match": etag}, json=body)
    assert plain.status_code == 403, plain.text
    read_only = await client.patch(
        url, headers={**reader.headers(on_behalf_of=a.id), "If-Match": etag}, json=body
    )
    assert read_only.status_code == 403, read_only.text
    for person, status in ((setting.recruiter, 403), (b, 404)):
        response = await client.patch(
            url, headers={**writer.headers(on_behalf_of=person.id), "If-Match": etag}, json=body
        )
        assert response.status_code == status, response.text
    as_author = await client.patch(
        url, headers={**writer.headers(on_behalf_of=a.id), "If-Match": etag}, json=body
    )
    assert as_author.status_code == 200, as_author.text
    done = await client.post(f"{url}/submit", headers=writer.headers(on_behalf_of=a.id))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "submitted"
    mine = await client.get(MINE, headers=writer.headers(on_behalf_of=a.id))
    assert {r["id"] for r in mine.json()["data"]} == {ids["A"], ids["A-elsewhere"]}
    # On behalf of A, now submitted, colleagues' evaluations are visible with A's rights.
    seen = await client.get(f"{EVALUATIONS}/{ids['B']}", headers=writer.headers(on_behalf_of=a.id))
    assert seen.status_code == 200, seen.text
    assert not shows_content(seen.json())
