"""Candidates: normalised contact data, duplicates by e-mail and merging, guarded updates,
upsert by external id, search and filters, events without personal data.

The helpers at the top are shared by the other candidate, application, import and briefing
test modules.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from app.core.roles import Role
from tests.support.candidates import (
    CANDIDATES,
    UPSERT,
    count_candidates,
    new_candidate,
    subject_events,
)
from tests.support.harness import Actor, MakeUser, ManualClock
from tests.support.intakes import act


def locations(response: httpx.Response) -> list[str]:
    return [e["location"] for e in response.json()["errors"]]


async def listed(client: httpx.AsyncClient, actor: Actor, **params: Any) -> list[str]:
    """The full names a list returns (one page of up to 200)."""
    response = await act(client, actor, "GET", CANDIDATES, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [c["full_name"] for c in response.json()["data"]]


# --- Normalisation and duplicates -----------------------------------------------------------


async def test_email_is_trimmed_and_lower_cased_and_phone_is_e164(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    created = await act(
        client,
        recruiter,
        "POST",
        CANDIDATES,
        json={
            "full_name": "  Sam Okafor ",
            "email": "  Sam.Okafor@Example.COM ",
            "other_emails": ["SAM@Home.example"],
            "phone": "+31 (0)20-123 4567",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"{CANDIDATES}/{body['id']}"
    assert body["full_name"] == "Sam Okafor"
    assert body["email"] == "sam.okafor@example.com"
    assert body["other_emails"] == ["sam@home.example"]
    assert body["phone"] == "+31201234567"
    read = await act(client, recruiter, "GET", f"{CANDIDATES}/{body['id']}")
    assert (read.json()["email"], read.json()["phone"]) == (
        "sam.okafor@example.com",
        "+31201234567",
    )
    assert read.headers["etag"] == created.headers["etag"]


async def test_invalid_contact_data_is_a_422_and_writes_nothing(client, make_user, runtime):
    recruiter = await make_user(Role.RECRUITER)
    for fields, location in (
        ({"phone": "12"}, "body.phone"),
        ({"phone": "020 123 4567"}, "body.phone"),  # no country code
        ({"phone": "+31 20 123"}, "body.phone"),  # too short to be a number
        ({"email": "not-an-email"}, "body.email"),
        ({"other_emails": ["ok@example.com", "nope"]}, "body.other_emails[1]"),
        ({"tags": [""]}, "body.tags[0]"),
        ({"notice_period_days": -1}, "body.notice_period_days"),
        ({"pay_expectation_currency": "euro"}, "body.pay_expectation_currency"),
    ):
        response = await act(
            client, recruiter, "POST", CANDIDATES, json={"full_name": "Sam", **fields}
        )
        assert response.status_code == 422, (fields, response.text)
        assert locations(response) == [location], (fields, response.text)
    missing_name = await act(client, recruiter, "POST", CANDIDATES, json={"email": "a@b.example"})
    assert missing_name.status_code == 422
    assert locations(missing_name) == ["body.full_name"]
    assert await count_candidates(runtime) == 0


async def test_a_pay_expectation_needs_a_currency(client, make_user: MakeUser, runtime):
    recruiter = await make_user(Role.RECRUITER)
    response = await act(
        client,
        recruiter,
        "POST",
        CANDIDATES,
        json={"full_name": "Sam", "pay_expectation_amount": 90000},
    )
    assert response.status_code == 422, response.text
    assert "currency" in response.text
    assert await count_candidates(runtime) == 0
    created = await new_candidate(
        client,
        recruiter,
        pay_expectation_amount=90000,
        pay_expectation_currency="eur",
        pay_expectation_period="year",
    )
    assert created["pay_expectation_currency"] == "EUR"
    assert float(created["pay_expectation_amount"]) == 90000


async def test_a_duplicate_primary_email_in_any_case_is_a_409_naming_the_candidate(
    client, make_user: MakeUser, runtime
):
    recruiter = await make_user(Role.RECRUITER)
    first = await new_candidate(client, recruiter, email="sam.okafor@example.com")
    for email in ("sam.okafor@example.com", "SAM.OKAFOR@EXAMPLE.COM", " Sam.Okafor@example.com "):
        duplicate = await act(
            client, recruiter, "POST", CANDIDATES, json={"full_name": "Sam O.", "email": email}
        )
        assert duplicate.status_code == 409, (email, duplicate.text)
        assert duplicate.headers["content-type"].startswith("application/problem+json")
        assert duplicate.json()["existing_id"] == first["id"]
    explicit = await act(
        client,
        recruiter,
        "POST",
        CANDIDATES,
        params={"on_conflict": "error"},
        json={"full_name": "Sam O.", "email": "sam.okafor@example.com"},
    )
    assert explicit.status_code == 409
    unknown = await act(
        client,
        recruiter,
        "POST",
        CANDIDATES,
        params={"on_conflict": "replace"},
        json={"full_name": "Sam O.", "email": "sam.okafor@example.com"},
    )
    assert unknown.status_code == 422
    assert await count_candidates(runtime) == 1
    # Candidates without an e-mail address are never duplicates of each other.
    await new_candidate(client, recruiter, "No Mail One")
    await new_candidate(client, recruiter, "No Mail Two")
    assert await count_candidates(runtime) == 3


async def test_merge_fills_empty_fields_keeps_filled_ones_and_joins_lists(
    client, make_user: MakeUser, runtime
):
    """Merge rules (`?on_conflict=merge` with an e-mail that exists): the existing candidate
    is answered with 200; its empty fields are filled from the body, filled ones are kept
    (the body does not overwrite them); skills, tags and other e-mails are joined (existing
    first, duplicates dropped); external ids are added; one `candidate.updated` event with
    `merged: true` names the changed fields; a merge that changes nothing records no event."""
    recruiter = await make_user(Role.RECRUITER)
    first = await new_candidate(
        client,
        recruiter,
        "Sam Okafor",
        email="sam@example.com",
        phone="+31 20 123 4567",
        current_title="Engineer",
        skills=["Python", "SQL"],
        tags=["backend"],
        other_emails=["sam@old.example"],
        external_ids=[{"source": "greenhouse", "external_id": "1"}],
    )
    merged = await act(
        client,
        recruiter,
        "POST",
        CANDIDATES,
        params={"on_conflict": "merge"},
        json={
            "full_name": "Samuel Okafor",
            "email": "SAM@example.com",
            "phone": "+44 20 7946 0958",
            "current_title": "Staff Engineer",
            "current_company": "Acme",
            "location": "Rotterdam",
            "skills": ["SQL", "Go"],
            "tags": ["Referral", "backend"],
            "other_emails": ["sam@new.example", "sam@old.example"],
            "source": "referral",
            "external_ids": [{"source": "lever", "external_id": "abc"}],
        },
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["id"] == first["id"]
    assert "location" not in merged.headers
    # Kept: what was filled.
    assert body["full_name"] == "Sam Okafor"
    assert body["email"] == "sam@example.com"
    assert body["phone"] == "+31201234567"
    assert body["current_title"] == "Engineer"
    # Filled: what was empty.
    assert (body["current_company"], body["location"], body["source"]) == (
        "Acme",
        "Rotterdam",
        "referral",
    )
    # Joined: lists, existing entries first, no duplicates.
    assert body["skills"] == ["Python", "SQL", "Go"]
    assert body["tags"] == ["backend", "referral"]
    assert body["other_emails"] == ["sam@old.example", "sam@new.example"]
    # Added: external ids.
    assert body["external_ids"] == [
        {"source": "greenhouse", "external_id": "1"},
        {"source": "lever", "external_id": "abc"},
    ]
    assert merged.headers["etag"] != '"1"'
    assert await count_candidates(runtime) == 1
    read = await act(client, recruiter, "GET", f"{CANDIDATES}/{first['id']}")
    assert read.json() == body

    events = await subject_events(runtime, first["id"])
    assert [t for t, _ in events] == ["candidate.created", "candidate.updated"]
    assert events[1][1]["merged"] is True
    assert events[1][1]["fields"] == [
        "current_company",
        "location",
        "other_emails",
        "skills",
        "source",
        "tags",
    ]

    # Merging what is there already changes nothing.
    again = await act(
        client,
        recruiter,
        "POST",
        CANDIDATES,
        params={"on_conflict": "merge"},
        json={"full_name": "Sam", "email": "sam@example.com", "skills": ["Go"]},
    )
    assert again.status_code == 200, again.text
    assert again.headers["etag"] == merged.headers["etag"]
    assert len(await subject_events(runtime, first["id"])) == 2

    # Without a known e-mail a merge request simply creates.
    created = await act(
        client,
        recruiter,
        "POST",
        CANDIDATES,
        params={"on_conflict": "merge"},
        json={"full_name": "Ada Lovelace", "email": "ada@example.com"},
    )
    assert created.status_code == 201, created.text


async def test_a_merge_cannot_take_an_external_id_of_another_candidate(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    other = await new_candidate(
        client, recruiter, "Other", external_ids=[{"source": "lever", "external_id": "7"}]
    )
    sam = await new_candidate(client, recruiter, email="sam@example.com")
    response = await act(
        client,
        recruiter,
        "POST",
        CANDIDATES,
        params={"on_conflict": "merge"},
        json={
            "full_name": "Sam",
            "email": "sam@example.com",
            "location": "Utrecht",
            "external_ids": [{"source": "lever", "external_id": "7"}],
        },
    )
    assert response.status_code == 409, response.text
    assert response.json()["existing_id"] == other["id"]
    # All or nothing: the location was not filled either.
    read = await act(client, recruiter, "GET", f"{CANDIDATES}/{sam['id']}")
    assert read.json()["location"] is None
    assert read.json()["external_ids"] == []


# --- Updates ------------------------------------------------------------------------------


async def test_patch_needs_a_current_etag(client, make_user: MakeUser, runtime):
    recruiter = await make_user(Role.RECRUITER)
    sam = await new_candidate(client, recruiter, email="sam@example.com")
    url = f"{CANDIDATES}/{sam['id']}"
    etag = (await act(client, recruiter, "GET", url)).headers["etag"]

    missing = await act(client, recruiter, "PATCH", url, json={"location": "Utrecht"})
    assert missing.status_code == 428, missing.text
    stale = await act(
        client, recruiter, "PATCH", url, headers={"If-Match": '"999"'}, json={"location": "X"}
    )
    assert stale.status_code == 412, stale.text
    assert stale.json()["current_etag"] == etag

    changed = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": etag},
        json={"location": "Utrecht", "email": " SAM.NEW@Example.com", "phone": "+31 6 1234 5678"},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["location"], body["email"], body["phone"]) == (
        "Utrecht",
        "sam.new@example.com",
        "+31612345678",
    )
    assert changed.headers["etag"] != etag
    # The old ETag is now stale.
    again = await act(
        client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={"location": "Y"}
    )
    assert again.status_code == 412
    # Null clears an optional field but never the name.
    cleared = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": changed.headers["etag"]},
        json={"location": None},
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["location"] is None
    no_name = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": cleared.headers["etag"]},
        json={"full_name": None},
    )
    assert no_name.status_code == 422
    assert locations(no_name) == ["body.full_name"]
    # An unchanged PATCH changes nothing (same ETag, no event).
    events = await subject_events(runtime, sam["id"])
    same = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": cleared.headers["etag"]},
        json={"location": None},
    )
    assert same.status_code == 200
    assert same.headers["etag"] == cleared.headers["etag"]
    assert await subject_events(runtime, sam["id"]) == events
    missing_candidate = await act(
        client,
        recruiter,
        "PATCH",
        f"{CANDIDATES}/{uuid.uuid4()}",
        headers={"If-Match": '"1"'},
        json={"location": "Z"},
    )
    assert missing_candidate.status_code == 404


async def test_patch_to_another_candidates_email_is_a_409(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    ada = await new_candidate(client, recruiter, "Ada", email="ada@example.com")
    sam = await new_candidate(client, recruiter, "Sam", email="sam@example.com")
    url = f"{CANDIDATES}/{sam['id']}"
    etag = (await act(client, recruiter, "GET", url)).headers["etag"]
    response = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": etag},
        json={"email": "ADA@example.com", "location": "Utrecht"},
    )
    assert response.status_code == 409, response.text
    assert response.json()["existing_id"] == ada["id"]
    after = await act(client, recruiter, "GET", url)
    assert (after.json()["email"], after.json()["location"]) == ("sam@example.com", None)
    assert after.headers["etag"] == etag
    # Re-stating one's own address is fine.
    own = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": etag},
        json={"email": "SAM@example.com"},
    )
    assert own.status_code == 200, own.text


async def test_patch_keeps_a_pay_expectation_with_its_currency(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    without_pay = await new_candidate(client, recruiter, "No Pay")
    url = f"{CANDIDATES}/{without_pay['id']}"
    etag = (await act(client, recruiter, "GET", url)).headers["etag"]
    amount_only = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": etag},
        json={"pay_expectation_amount": 70000},
    )
    assert amount_only.status_code == 422, amount_only.text

    with_pay = await new_candidate(
        client, recruiter, "Pay", pay_expectation_amount=90000, pay_expectation_currency="EUR"
    )
    url = f"{CANDIDATES}/{with_pay['id']}"
    etag = (await act(client, recruiter, "GET", url)).headers["etag"]
    drop_currency = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": etag},
        json={"pay_expectation_currency": None},
    )
    assert drop_currency.status_code == 422, drop_currency.text
    assert locations(drop_currency) == ["body.pay_expectation_currency"]
    # Clearing both is fine.
    cleared = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": etag},
        json={"pay_expectation_amount": None, "pay_expectation_currency": None},
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["pay_expectation_amount"] is None


async def test_patch_changes_the_amount_of_a_pay_expectation_that_has_a_currency(
    client, make_user: MakeUser
):
    """The currency is stored already: a partial update of the amount alone is complete."""
    recruiter = await make_user(Role.RECRUITER)
    with_pay = await new_candidate(
        client, recruiter, "Pay", pay_expectation_amount=90000, pay_expectation_currency="EUR"
    )
    url = f"{CANDIDATES}/{with_pay['id']}"
    etag = (await act(client, recruiter, "GET", url)).headers["etag"]
    raised = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": etag},
        json={"pay_expectation_amount": 95000},
    )
    assert raised.status_code == 200, raised.text
    assert (
        float(raised.json()["pay_expectation_amount"]),
        raised.json()["pay_expectation_currency"],
    ) == (
        95000,
        "EUR",
    )


# --- Upsert by external id ----------------------------------------------------------------


def ats_candidate(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "full_name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": "+44 20 7946 0958",
        "location": "London",
        "current_title": "Analyst",
        "skills": ["Mathematics", "Engines"],
        "tags": ["referral"],
        "source": "greenhouse",
        "pay_expectation_amount": 80000,
        "pay_expectation_currency": "GBP",
        "pay_expectation_period": "year",
        "notice_period_days": 30,
    }
    body.update(extra)
    return body


async def test_upsert_creates_then_changes_nothing_for_the_same_body(
    client, make_user: MakeUser, runtime
):
    recruiter = await make_user(Role.RECRUITER)
    url = f"{UPSERT}/greenhouse/4012"
    body = ats_candidate()
    created = await act(client, recruiter, "PUT", url, json=body)
    assert created.status_code == 201, created.text
    candidate = created.json()
    assert created.headers["location"] == f"{CANDIDATES}/{candidate['id']}"
    assert candidate["external_ids"] == [{"source": "greenhouse", "external_id": "4012"}]
    assert candidate["phone"] == "+442079460958"
    read = await act(client, recruiter, "GET", f"{CANDIDATES}/{candidate['id']}")
    assert read.headers["etag"] == created.headers["etag"]

    again = await act(client, recruiter, "PUT", url, json=body)
    assert again.status_code == 200, again.text
    assert again.headers["etag"] == created.headers["etag"]
    assert again.json() == candidate
    assert [t for t, _ in await subject_events(runtime, candidate["id"])] == ["candidate.created"]

    changed = await act(client, recruiter, "PUT", url, json={**body, "location": "Cambridge"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["location"] == "Cambridge"
    assert changed.headers["etag"] != created.headers["etag"]
    events = await subject_events(runtime, candidate["id"])
    assert [t for t, _ in events] == ["candidate.created", "candidate.updated"]
    assert events[1][1]["fields"] == ["location"]

    # A PUT replaces: what the body leaves out is cleared.
    replaced = await act(
        client,
        recruiter,
        "PUT",
        url,
        json={"full_name": "Ada Lovelace", "email": "ada@example.com"},
    )
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["phone"], replaced.json()["skills"], replaced.json()["location"]) == (
        None,
        [],
        None,
    )
    assert await count_candidates(runtime) == 1


async def test_upsert_is_idempotent_with_links_and_consent(client, make_user: MakeUser, runtime):
    """Nested objects (links, consent) are part of the body an ATS re-sends unchanged."""
    recruiter = await make_user(Role.RECRUITER)
    url = f"{UPSERT}/greenhouse/77"
    body = ats_candidate(
        links={"linkedin": "https://www.linkedin.com/in/ada", "github": "https://github.com/ada"},
        consent={"given_at": "2025-01-01T09:00:00Z", "basis": "consent"},
    )
    created = await act(client, recruiter, "PUT", url, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["links"]["github"] == "https://github.com/ada"
    again = await act(client, recruiter, "PUT", url, json=body)
    assert again.status_code == 200, again.text
    assert again.headers["etag"] == created.headers["etag"]
    assert [t for t, _ in await subject_events(runtime, created.json()["id"])] == [
        "candidate.created"
    ]


async def test_upsert_is_idempotent_with_consent(client, make_user: MakeUser, runtime):
    recruiter = await make_user(Role.RECRUITER)
    url = f"{UPSERT}/greenhouse/78"
    body = ats_candidate(consent={"given_at": "2025-01-01T09:00:00Z", "basis": "consent"})
    created = await act(client, recruiter, "PUT", url, json=body)
    assert created.status_code == 201, created.text
    again = await act(client, recruiter, "PUT", url, json=body)
    assert again.status_code == 200, again.text
    assert again.headers["etag"] == created.headers["etag"]
    assert [t for t, _ in await subject_events(runtime, created.json()["id"])] == [
        "candidate.created"
    ]


async def test_create_with_links_stores_them(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    response = await act(
        client,
        recruiter,
        "POST",
        CANDIDATES,
        json={
            "full_name": "Grace Hopper",
            "links": {
                "linkedin": "https://www.linkedin.com/in/grace",
                "other": ["https://a.example/"],
            },
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["links"]["linkedin"] == "https://www.linkedin.com/in/grace"


async def test_upsert_checks_if_match_when_sent_and_dedupes_by_email(
    client, make_user: MakeUser, runtime
):
    recruiter = await make_user(Role.RECRUITER)
    url = f"{UPSERT}/greenhouse/1"
    created = await act(client, recruiter, "PUT", url, json=ats_candidate())
    assert created.status_code == 201
    stale = await act(
        client, recruiter, "PUT", url, headers={"If-Match": '"99"'}, json=ats_candidate()
    )
    assert stale.status_code == 412, stale.text
    current = await act(
        client,
        recruiter,
        "PUT",
        url,
        headers={"If-Match": created.headers["etag"]},
        json=ats_candidate(location="Bath"),
    )
    assert current.status_code == 200, current.text
    # Another ATS id with an e-mail that is taken: a 409 naming the owner, nothing created.
    other = await act(client, recruiter, "PUT", f"{UPSERT}/greenhouse/2", json=ats_candidate())
    assert other.status_code == 409, other.text
    assert other.json()["existing_id"] == created.json()["id"]
    assert await count_candidates(runtime) == 1
    # The same id under another source is another candidate.
    lever = await act(
        client,
        recruiter,
        "PUT",
        f"{UPSERT}/lever/1",
        json=ats_candidate(email="ada@lever.example"),
    )
    assert lever.status_code == 201, lever.text
    assert lever.json()["id"] != created.json()["id"]
    # A body that is not valid is a 422 and creates nothing.
    invalid = await act(
        client, recruiter, "PUT", f"{UPSERT}/greenhouse/3", json=ats_candidate(phone="123")
    )
    assert invalid.status_code == 422
    assert await count_candidates(runtime) == 2


# --- Lists ----------------------------------------------------------------------------------


async def test_search_matches_name_or_email_case_insensitively_and_literally(
    client, make_user: MakeUser
):
    recruiter = await make_user(Role.RECRUITER)
    await new_candidate(client, recruiter, "Ada Lovelace", email="countess@example.com")
    await new_candidate(client, recruiter, "Grace Hopper", email="grace_h@navy.example")
    await new_candidate(client, recruiter, "Gracex Hopper", email="gracexh@navy.example")
    await new_candidate(client, recruiter, "Percent 100% Sure")
    await new_candidate(client, recruiter, "Percent 1000 Sure")

    assert await listed(client, recruiter, q="LOVELACE") == ["Ada Lovelace"]
    assert await listed(client, recruiter, q="Countess@") == ["Ada Lovelace"]  # e-mail
    assert sorted(await listed(client, recruiter, q="hopper")) == ["Grace Hopper", "Gracex Hopper"]
    # `_` and `%` are literal characters, not wildcards.
    assert await listed(client, recruiter, q="grace_h") == ["Grace Hopper"]
    assert await listed(client, recruiter, q="100%") == ["Percent 100% Sure"]
    assert await listed(client, recruiter, q="%") == ["Percent 100% Sure"]
    assert await listed(client, recruiter, q="\\") == []
    assert await listed(client, recruiter, q="nobody") == []
    empty = await act(client, recruiter, "GET", CANDIDATES, params={"q": ""})
    assert empty.status_code == 422


async def test_search_is_case_insensitive_beyond_ascii(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    await new_candidate(client, recruiter, "Émile Zola")
    await new_candidate(client, recruiter, "Ørjan Ødegård")
    assert await listed(client, recruiter, q="émile") == ["Émile Zola"]
    assert await listed(client, recruiter, q="ødegård") == ["Ørjan Ødegård"]
    # Accents are optional when typing: recruiters search as they would say the name.
    assert await listed(client, recruiter, q="EMILE") == ["Émile Zola"]
    assert await listed(client, recruiter, q="odegard") == []  # Ø is a letter, not O + accent
    renamed = await new_candidate(client, recruiter, "Zoë Ångström")
    assert await listed(client, recruiter, q="angstrom") == ["Zoë Ångström"]
    url = f"{CANDIDATES}/{renamed['id']}"
    etag = (await act(client, recruiter, "GET", url)).headers["etag"]
    patched = await act(
        client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={"full_name": "Zoë Berg"}
    )
    assert patched.status_code == 200, patched.text
    assert await listed(client, recruiter, q="angstrom") == []
    assert await listed(client, recruiter, q="zoe berg") == ["Zoë Berg"]


async def test_lists_filter_by_tag_and_source(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    await new_candidate(client, recruiter, "Ada", tags=["Backend", "senior"], source="referral")
    await new_candidate(client, recruiter, "Bob", tags=["backend_ops"], source="linkedin")
    await new_candidate(client, recruiter, "Cleo", tags=["backendXops"], source="referral")
    await new_candidate(client, recruiter, "Dan", tags=[], source=None)

    assert await listed(client, recruiter, tag="backend") == ["Ada"]  # whole tags only
    assert await listed(client, recruiter, tag="BACKEND") == ["Ada"]
    assert await listed(client, recruiter, tag="backend_ops") == ["Bob"]  # `_` is literal
    assert await listed(client, recruiter, tag="senior") == ["Ada"]
    assert await listed(client, recruiter, tag="back") == []
    assert sorted(await listed(client, recruiter, source="referral")) == ["Ada", "Cleo"]
    assert await listed(client, recruiter, source="referral", tag="backend") == ["Ada"]
    assert await listed(client, recruiter, source="Referral") == []


async def test_a_tag_with_accents_is_found(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    await new_candidate(client, recruiter, "Zoë", tags=["Café", "Ålesund"])
    assert await listed(client, recruiter, tag="café") == ["Zoë"]
    assert await listed(client, recruiter, tag="ålesund") == ["Zoë"]


async def test_updated_since_lists_changes_in_order(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    recruiter = await make_user(Role.RECRUITER)
    ada = await new_candidate(client, recruiter, "Ada")
    manual_clock.advance(60)
    since = manual_clock.now
    await new_candidate(client, recruiter, "Bob")
    manual_clock.advance(60)
    url = f"{CANDIDATES}/{ada['id']}"
    etag = (await act(client, recruiter, "GET", url)).headers["etag"]
    patched = await act(
        client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={"location": "Leeds"}
    )
    assert patched.status_code == 200
    assert await listed(client, recruiter, updated_since=since.isoformat()) == ["Bob", "Ada"]
    later = (since + timedelta(seconds=30)).isoformat()
    assert await listed(client, recruiter, updated_since=later) == ["Ada"]
    future = (manual_clock.now + timedelta(days=1)).isoformat()
    assert await listed(client, recruiter, updated_since=future) == []
    naive = await act(
        client, recruiter, "GET", CANDIDATES, params={"updated_since": "2025-01-01T00:00:00"}
    )
    assert naive.status_code == 422


async def test_pages_return_every_candidate_once(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    names = [f"Person {n:02d}" for n in range(7)]
    for name in names:
        await new_candidate(client, recruiter, name, tags=["pool"])
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3, "tag": "pool"}
        if cursor:
            params["cursor"] = cursor
        response = await act(client, recruiter, "GET", CANDIDATES, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [c["full_name"] for c in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        assert page["has_more"] is (cursor is not None)
        if cursor is None:
            assert "link" not in response.headers
            break
        assert 'rel="next"' in response.headers["link"]
        assert len(page["data"]) == 3
    assert pages == 3
    assert sorted(seen) == names
    assert len(seen) == len(set(seen))
    too_many = await act(client, recruiter, "GET", CANDIDATES, params={"limit": 201})
    assert too_many.status_code == 422


# --- Events -------------------------------------------------------------------------------


async def test_events_carry_ids_not_personal_data(client, make_user: MakeUser, runtime):
    recruiter = await make_user(Role.RECRUITER)
    personal = {
        "full_name": "Sam Okafor",
        "email": "sam.okafor@example.com",
        "phone": "+31 20 123 4567",
        "location": "Amsterdam Zuid",
        "current_company": "Secret Employer BV",
    }
    sam = await new_candidate(client, recruiter, **personal)
    url = f"{CANDIDATES}/{sam['id']}"
    etag = (await act(client, recruiter, "GET", url)).headers["etag"]
    patched = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": etag},
        json={"email": "okafor.private@example.com", "headline": "Builds payment systems"},
    )
    assert patched.status_code == 200
    events = await subject_events(runtime, sam["id"])
    assert [t for t, _ in events] == ["candidate.created", "candidate.updated"]
    assert events[0][1] == {"id": sam["id"], "source": None}
    assert events[1][1] == {"id": sam["id"], "source": None, "fields": ["email", "headline"]}
    text = repr(events)
    for value in (
        "Sam",
        "Okafor",
        "sam.okafor",
        "okafor.private",
        "+3120",
        "Amsterdam",
        "Secret Employer",
        "payment systems",
    ):
        assert value not in text.replace(sam["id"], ""), value
