"""Who sees which candidates, and how much of them; every read of personal data is audited."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from app.core.roles import Role
from app.platform.runtime import Runtime
from tests.support.candidates import CANDIDATES, new_candidate
from tests.support.harness import Actor, MakeApiKey, MakeUser
from tests.support.intakes import act
from tests.support.pipeline import apply, pipeline

SUMMARY = {
    "view",
    "id",
    "full_name",
    "headline",
    "current_title",
    "current_company",
    "location",
    "links",
    "skills",
}
PRIVATE = {
    "email": "sam.private@example.com",
    "other_emails": ["sam@home.example"],
    "phone": "+31 20 123 4567",
    "pay_expectation_amount": 123456,
    "pay_expectation_currency": "EUR",
    "pay_expectation_period": "year",
    "notice_period_days": 60,
    "consent": {"given_at": "2025-03-01T10:00:00Z", "basis": "consent"},
    "tags": ["silver-medallist"],
    "source": "referral",
    "external_ids": [{"source": "greenhouse", "external_id": "4711"}],
}
PUBLIC = {
    "headline": "Payments engineer",
    "current_title": "Senior Engineer",
    "current_company": "Acme",
    "location": "Utrecht",
    "skills": ["Python", "PostgreSQL"],
}


async def audit_entries(
    client: httpx.AsyncClient, runtime: Runtime, admin: Actor, **params: Any
) -> list[dict[str, Any]]:
    """Audit entries (after writing the queued read entries), filtered."""
    await runtime.read_audit.flush()
    response = await act(
        client, admin, "GET", "/api/v1/audit-events", params={"limit": 200, **params}
    )
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


async def people_setting(client: httpx.AsyncClient, make_user: MakeUser) -> dict[str, Any]:
    """One intake with an applicant (Sam), one other candidate nobody applied (Ada)."""
    setting = await pipeline(client, make_user, with_plan=False)
    sam = await new_candidate(client, setting.recruiter, "Sam Okafor", **PRIVATE, **PUBLIC)
    ada = await new_candidate(client, setting.recruiter, "Ada Lovelace", email="ada@example.com")
    await apply(client, setting.recruiter, sam["id"], setting.intake_id)
    return {"setting": setting, "sam": sam, "ada": ada}


async def test_interviewers_read_a_summary_of_the_people_they_interview(
    client, make_user: MakeUser
):
    s = await people_setting(client, make_user)
    interviewer = s["setting"].interviewer
    url = f"{CANDIDATES}/{s['sam']['id']}"
    response = await act(client, interviewer, "GET", url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == SUMMARY
    assert body["view"] == "summary"
    assert body["full_name"] == "Sam Okafor"
    for field, value in PUBLIC.items():
        assert body[field] == value, field
    for secret in ("sam.private", "home.example", "123456", "+3120", "2025-03-01", "4711"):
        assert secret not in response.text, secret
    assert response.headers["etag"]

    listed = await act(client, interviewer, "GET", CANDIDATES)
    assert listed.status_code == 200
    assert [set(c) for c in listed.json()["data"]] == [SUMMARY]
    assert [c["id"] for c in listed.json()["data"]] == [s["sam"]["id"]]

    # Nobody else, and no changes.
    assert (
        await act(client, interviewer, "GET", f"{CANDIDATES}/{s['ada']['id']}")
    ).status_code == 404
    patch = await act(
        client,
        interviewer,
        "PATCH",
        url,
        headers={"If-Match": response.headers["etag"]},
        json={"location": "Elsewhere"},
    )
    assert patch.status_code == 403
    create = await act(client, interviewer, "POST", CANDIDATES, json={"full_name": "X"})
    assert create.status_code == 403
    put = await act(
        client, interviewer, "PUT", f"{CANDIDATES}/by-external-id/x/1", json={"full_name": "X"}
    )
    assert put.status_code == 403

    # An interviewer off the team sees nothing.
    outsider = await make_user(Role.INTERVIEWER)
    assert (await act(client, outsider, "GET", url)).status_code == 404
    assert (await act(client, outsider, "GET", CANDIDATES)).json()["data"] == []


async def test_search_by_a_hidden_field_reveals_nothing_to_interviewers(
    client, make_user: MakeUser
):
    """Interviewers do not see e-mail addresses, so they cannot search by them either (else a
    search confirms a guessed address)."""
    s = await people_setting(client, make_user)
    interviewer = s["setting"].interviewer
    by_name = await act(client, interviewer, "GET", CANDIDATES, params={"q": "okafor"})
    assert len(by_name.json()["data"]) == 1  # the name is in the summary: fine
    by_email = await act(client, interviewer, "GET", CANDIDATES, params={"q": "sam.private@"})
    assert by_email.status_code == 200
    assert by_email.json()["data"] == []


async def test_interviewers_cannot_filter_by_fields_they_do_not_see(client, make_user: MakeUser):
    s = await people_setting(client, make_user)
    interviewer = s["setting"].interviewer
    for params in ({"tag": "silver-medallist"}, {"source": "referral"}):
        response = await act(client, interviewer, "GET", CANDIDATES, params=params)
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    recruiter_view = await act(
        client, s["setting"].recruiter, "GET", CANDIDATES, params={"source": "referral"}
    )
    assert [c["full_name"] for c in recruiter_view.json()["data"]] == ["Sam Okafor"]


async def test_hiring_managers_see_the_candidates_of_their_intakes_only(
    client, make_user: MakeUser
):
    s = await people_setting(client, make_user)
    manager = s["setting"].manager
    own = await act(client, manager, "GET", f"{CANDIDATES}/{s['sam']['id']}")
    assert own.status_code == 200, own.text
    assert own.json()["email"] == "sam.private@example.com"
    assert (await act(client, manager, "GET", f"{CANDIDATES}/{s['ada']['id']}")).status_code == 404
    listed = await act(client, manager, "GET", CANDIDATES)
    assert [c["id"] for c in listed.json()["data"]] == [s["sam"]["id"]]
    patch = await act(
        client,
        manager,
        "PATCH",
        f"{CANDIDATES}/{s['sam']['id']}",
        headers={"If-Match": own.headers["etag"]},
        json={"location": "Elsewhere"},
    )
    assert patch.status_code == 403
    assert (
        await act(client, manager, "POST", CANDIDATES, json={"full_name": "X"})
    ).status_code == 403

    other_manager = await make_user(Role.HIRING_MANAGER)
    assert (
        await act(client, other_manager, "GET", f"{CANDIDATES}/{s['sam']['id']}")
    ).status_code == 404
    assert (await act(client, other_manager, "GET", CANDIDATES)).json()["data"] == []
    # Unknown ids look the same as hidden ones.
    missing = await act(client, other_manager, "GET", f"{CANDIDATES}/{uuid.uuid4()}")
    hidden = await act(client, other_manager, "GET", f"{CANDIDATES}/{s['sam']['id']}")
    assert (missing.status_code, hidden.status_code) == (404, 404)


async def test_recruiters_and_admins_see_everyone(client, make_user: MakeUser):
    s = await people_setting(client, make_user)
    for role in (Role.RECRUITER, Role.ADMIN):
        actor = await make_user(role)  # not on any team
        for person in (s["sam"], s["ada"]):
            response = await act(client, actor, "GET", f"{CANDIDATES}/{person['id']}")
            assert response.status_code == 200, (role, response.text)
            assert response.json() == person
        listed = await act(client, actor, "GET", CANDIDATES)
        assert sorted(c["id"] for c in listed.json()["data"]) == sorted(
            [s["sam"]["id"], s["ada"]["id"]]
        )


async def test_every_read_and_search_is_audited(client, make_user: MakeUser, runtime: Runtime):
    s = await people_setting(client, make_user)
    admin = await make_user(Role.ADMIN)
    sam_id = s["sam"]["id"]
    # (Entries are filtered by this test's objects and people: the queue is process-wide.)
    assert await audit_entries(client, runtime, admin, object_id=sam_id) == []

    readers = (s["setting"].recruiter, s["setting"].manager, s["setting"].interviewer)
    for reader in readers:
        response = await act(client, reader, "GET", f"{CANDIDATES}/{sam_id}")
        assert response.status_code == 200
    await act(client, s["setting"].recruiter, "GET", f"{CANDIDATES}/{sam_id}")
    entries = await audit_entries(client, runtime, admin, action="candidate.read", object_id=sam_id)
    assert [(e["actor_user_id"], e["object_type"], e["object_id"]) for e in entries] == [
        (str(reader.id), "candidate", sam_id) for reader in (*readers, s["setting"].recruiter)
    ]
    assert all(e["request_id"] for e in entries)
    assert all(e["api_client_id"] is None for e in entries)
    by_manager = await audit_entries(
        client, runtime, admin, action="candidate.read", actor_user_id=str(s["setting"].manager.id)
    )
    assert len(by_manager) == 1

    listed = await act(
        client, s["setting"].recruiter, "GET", CANDIDATES, params={"q": "okafor", "tag": "x"}
    )
    assert listed.status_code == 200
    await act(client, s["setting"].interviewer, "GET", CANDIDATES)
    searches = [
        e
        for e in await audit_entries(client, runtime, admin, action="candidates.listed")
        if e["actor_user_id"] in (str(s["setting"].recruiter.id), str(s["setting"].interviewer.id))
    ]
    assert [
        (e["actor_user_id"], e["details"]["searched"], e["details"]["tag"]) for e in searches
    ] == [
        (str(s["setting"].recruiter.id), True, "x"),
        (str(s["setting"].interviewer.id), False, None),
    ]
    assert all("okafor" not in str(e["details"]).lower() for e in searches)
    assert [e["details"]["count"] for e in searches] == [0, 1]


async def test_api_keys_read_everything_with_the_scope_and_nothing_without(
    client, make_user: MakeUser, make_api_key: MakeApiKey, runtime: Runtime
):
    s = await people_setting(client, make_user)
    admin = await make_user(Role.ADMIN)
    reader = await make_api_key("candidates:read")
    writer = await make_api_key("candidates:write")
    other = await make_api_key("applications:read", "intakes:read")
    for person in (s["sam"], s["ada"]):
        response = await client.get(f"{CANDIDATES}/{person['id']}", headers=reader.headers())
        assert response.status_code == 200, response.text
        assert response.json() == person  # the full record: contact data, pay, consent
    listed = await client.get(CANDIDATES, headers=reader.headers())
    assert len(listed.json()["data"]) == 2
    assert (
        await client.get(f"{CANDIDATES}/{s['sam']['id']}", headers=writer.headers())
    ).status_code == 200
    for url in (f"{CANDIDATES}/{s['sam']['id']}", CANDIDATES):
        assert (await client.get(url, headers=other.headers())).status_code == 403
    assert (
        await client.post(CANDIDATES, headers=reader.headers(), json={"full_name": "X"})
    ).status_code == 403
    assert (
        await client.post(CANDIDATES, headers=writer.headers(), json={"full_name": "X"})
    ).status_code == 201
    entries = await audit_entries(client, runtime, admin, api_client_id=str(reader.id))
    assert sorted((e["action"], e["object_id"]) for e in entries) == sorted(
        [
            ("candidate.read", s["sam"]["id"]),
            ("candidate.read", s["ada"]["id"]),
            ("candidates.listed", "*"),
        ]
    )
    assert all(e["actor_user_id"] is None for e in entries)


async def test_an_api_key_acting_for_an_interviewer_gets_the_summary(
    client, make_user: MakeUser, make_api_key: MakeApiKey, runtime: Runtime
):
    s = await people_setting(client, make_user)
    key = await make_api_key("candidates:read", "on_behalf_of")
    interviewer = s["setting"].interviewer
    response = await client.get(
        f"{CANDIDATES}/{s['sam']['id']}", headers=key.headers(interviewer.id)
    )
    assert response.status_code == 200, response.text
    assert set(response.json()) == SUMMARY
    hidden = await client.get(f"{CANDIDATES}/{s['ada']['id']}", headers=key.headers(interviewer.id))
    assert hidden.status_code == 404
    admin = await make_user(Role.ADMIN)
    [entry] = await audit_entries(client, runtime, admin, api_client_id=str(key.id))
    assert (entry["actor_user_id"], entry["on_behalf_of"], entry["object_id"]) == (
        str(interviewer.id),
        True,
        s["sam"]["id"],
    )
