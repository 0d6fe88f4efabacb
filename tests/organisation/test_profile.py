"""The organisation profile: every role reads it, admins (and keys with the write scope)
replace it with If-Match; bad input writes nothing."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from app.core.roles import Role
from app.models.base import table_of
from app.models.platform import Event
from app.platform.runtime import Runtime
from tests.support.harness import Actor, MakeApiKey

URL = "/api/v1/organisation"
PROFILE = {
    "name": "Harbour Payments",
    "logo_url": "https://harbourpayments.example/logo.svg",
    "website_url": "https://harbourpayments.example/",
    "careers_contact_name": "Talent team",
    "careers_email": "careers@harbourpayments.example",
}


async def put(client, headers: dict[str, str], body, etag: str | None):
    extra = {"If-Match": etag} if etag is not None else {}
    return await client.put(URL, headers={**headers, **extra}, json=body)


async def test_every_role_reads_the_empty_profile_before_it_is_set(client, actors):
    for actor in actors.values():
        response = await client.get(URL, headers=actor.headers)
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"0"'
        assert response.json() == {
            "name": None,
            "logo_url": None,
            "website_url": None,
            "careers_contact_name": None,
            "careers_email": None,
            "created_at": None,
            "updated_at": None,
        }


async def test_an_admin_sets_and_replaces_the_profile(client, admin: Actor, runtime: Runtime):
    assert (await put(client, admin.headers, PROFILE, None)).status_code == 428
    created = await put(client, admin.headers, PROFILE, '"0"')
    assert created.status_code == 200, created.text
    assert created.headers["etag"] == '"1"'
    body = created.json()
    assert {k: body[k] for k in PROFILE} == PROFILE
    assert body["created_at"] is not None

    stale = await put(client, admin.headers, {"name": "Someone else"}, '"0"')
    assert stale.status_code == 412
    replaced = await put(client, admin.headers, {"name": "Harbour Payments B.V."}, '"1"')
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["etag"] == '"2"'
    # PUT replaces: the fields left out are empty now.
    read = await client.get(URL, headers=admin.headers)
    assert read.json()["name"] == "Harbour Payments B.V."
    assert read.json()["logo_url"] is None
    async with runtime.db.unit_of_work(write=False) as session:
        types = (await session.execute(select(table_of(Event).c.type))).scalars().all()
    assert types.count("organisation.updated") == 2


@pytest.mark.parametrize("role", [Role.RECRUITER, Role.HIRING_MANAGER, Role.INTERVIEWER])
async def test_other_roles_may_not_change_it(client, actors, role):
    response = await put(client, actors[role].headers, PROFILE, '"0"')
    assert response.status_code == 403
    assert (await client.get(URL, headers=actors[role].headers)).json()["name"] is None


async def test_api_keys_need_the_organisation_scopes(client, make_api_key: MakeApiKey):
    none = await make_api_key("users:read")
    reader = await make_api_key("organisation:read")
    writer = await make_api_key("organisation:write")
    assert (await client.get(URL, headers=none.headers())).status_code == 403
    assert (await client.get(URL, headers=reader.headers())).status_code == 200
    refused = await put(client, reader.headers(), PROFILE, '"0"')
    assert refused.status_code == 403
    assert refused.json()["required_scope"] == "organisation:write"
    assert (await put(client, writer.headers(), PROFILE, '"0"')).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "Line\nbreak"},
        {"name": "x" * 201},
        {**PROFILE, "logo_url": "javascript:alert(1)"},
        {**PROFILE, "website_url": "ftp://harbourpayments.example"},
        {**PROFILE, "careers_email": "not an address"},
        {**PROFILE, "colour": "teal"},
        {**PROFILE, "logo_url": "https://example.com/" + "a" * 2000},
    ],
)
async def test_bad_input_is_422_and_writes_nothing(client, admin: Actor, body):
    response = await put(client, admin.headers, body, '"0"')
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    read = await client.get(URL, headers=admin.headers)
    assert read.headers["etag"] == '"0"'


async def test_two_first_writes_at_once_one_wins(client, admin: Actor):
    first, second = await asyncio.gather(
        put(client, admin.headers, {**PROFILE, "name": "First"}, '"0"'),
        put(client, admin.headers, {**PROFILE, "name": "Second"}, '"0"'),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 412]
    winner = first if first.status_code == 200 else second
    read = await client.get(URL, headers=admin.headers)
    assert read.json()["name"] == winner.json()["name"]
    assert read.headers["etag"] == '"1"'
