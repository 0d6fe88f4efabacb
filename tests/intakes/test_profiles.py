"""Hiring-manager profiles: /api/v1/users/{user_id}/hm-profile, read by all, edited by the owner
and staff, with internal notes hidden from everyone else."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from app.core.roles import Role
from app.models.base import table_of
from app.models.platform import Event
from tests.support.harness import Actor
from tests.support.intakes import act

EMPTY_TEXT_FIELDS = (
    "headline",
    "bio",
    "team_description",
    "working_style",
    "values_in_people",
    "interview_style",
    "growth_paths",
    "photo_url",
    "internal_notes",
)
FULL = {
    "headline": "Engineering manager, Payments",
    "bio": "Ten years of building payment systems.",
    "team_description": "Six engineers, one designer.",
    "working_style": "Written first.",
    "values_in_people": "Curiosity.",
    "interview_style": "Conversational, with a work sample.",
    "growth_paths": "Staff track or management.",
    "photo_url": "https://example.com/hugo.jpg",
    "links": [{"label": "Team blog", "url": "https://example.com/blog"}],
    "internal_notes": "Prefers candidates from fintech.",
}


def profile_url(user: Actor | uuid.UUID) -> str:
    user_id = user.id if isinstance(user, Actor) else user
    return f"/api/v1/users/{user_id}/hm-profile"


async def put(client, actor: Actor, owner: Actor, etag: str | None, body: dict[str, Any]):
    headers = {"If-Match": etag} if etag is not None else {}
    return await act(client, actor, "PUT", profile_url(owner), headers=headers, json=body)


async def test_a_user_without_a_profile_has_an_empty_one_at_version_0(client, actors):
    manager = actors[Role.HIRING_MANAGER]
    for reader in actors.values():
        response = await act(client, reader, "GET", profile_url(manager))
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"0"'
        body = response.json()
        assert body["user_id"] == str(manager.id)
        assert all(body[field] is None for field in EMPTY_TEXT_FIELDS), body
        assert body["links"] == []
        assert (body["created_at"], body["updated_at"]) == (None, None)


async def test_writing_needs_the_current_etag(client, actors, runtime):
    manager = actors[Role.HIRING_MANAGER]
    missing = await put(client, manager, manager, None, FULL)
    assert missing.status_code == 428, missing.text
    assert missing.json()["type"] == "/problems/precondition-required"
    # Nothing was written: still version 0.
    assert (await act(client, manager, "GET", profile_url(manager))).headers["etag"] == '"0"'

    created = await put(client, manager, manager, '"0"', FULL)
    assert created.status_code == 200, created.text
    assert created.headers["etag"] == '"1"'
    assert {k: created.json()[k] for k in FULL} == FULL
    read = await act(client, manager, "GET", profile_url(manager))
    assert read.headers["etag"] == '"1"'
    assert {k: read.json()[k] for k in FULL} == FULL
    assert read.json()["created_at"] is not None

    stale = await put(client, manager, manager, '"0"', {**FULL, "headline": "Lost update"})
    assert stale.status_code == 412, stale.text
    assert stale.json()["current_etag"] == '"1"'
    assert (await act(client, manager, "GET", profile_url(manager))).json()["headline"] == FULL[
        "headline"
    ]

    # PUT replaces: fields left out become empty.
    replaced = await put(client, manager, manager, '"1"', {"headline": "New headline"})
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["etag"] == '"2"'
    body = replaced.json()
    assert body["headline"] == "New headline"
    assert (body["bio"], body["links"], body["internal_notes"]) == (None, [], None)


async def test_the_owner_and_staff_edit_and_others_may_not(client, actors, admin, make_user):
    manager = actors[Role.HIRING_MANAGER]
    recruiter = actors[Role.RECRUITER]
    interviewer = actors[Role.INTERVIEWER]
    other_manager = await make_user(Role.HIRING_MANAGER)

    own = await put(client, manager, manager, '"0"', FULL)
    assert own.status_code == 200, own.text
    by_recruiter = await put(client, recruiter, manager, '"1"', {**FULL, "bio": "Edited by HR"})
    assert by_recruiter.status_code == 200, by_recruiter.text
    by_admin = await put(client, admin, manager, '"2"', {**FULL, "bio": "Edited by admin"})
    assert by_admin.status_code == 200, by_admin.text

    for intruder in (interviewer, other_manager):
        refused = await put(client, intruder, manager, '"3"', {**FULL, "bio": "Vandalised"})
        assert refused.status_code == 403, refused.text
    read = await act(client, manager, "GET", profile_url(manager))
    assert (read.headers["etag"], read.json()["bio"]) == ('"3"', "Edited by admin")

    # An interviewer edits their own profile (interviewers are introduced to candidates too).
    self_edit = await put(client, interviewer, interviewer, '"0"', {"headline": "Senior engineer"})
    assert self_edit.status_code == 200, self_edit.text


async def test_internal_notes_are_for_the_owner_and_staff(client, actors, admin, make_user):
    manager = actors[Role.HIRING_MANAGER]
    assert (await put(client, manager, manager, '"0"', FULL)).status_code == 200
    other_manager = await make_user(Role.HIRING_MANAGER)
    for reader in (manager, actors[Role.RECRUITER], admin, actors[Role.ADMIN]):
        body = (await act(client, reader, "GET", profile_url(manager))).json()
        assert body["internal_notes"] == FULL["internal_notes"], reader.user.role
    for reader in (actors[Role.INTERVIEWER], other_manager):
        response = await act(client, reader, "GET", profile_url(manager))
        assert response.status_code == 200
        body = response.json()
        assert body["internal_notes"] is None, reader.user.role
        assert body["bio"] == FULL["bio"]  # everything else is candidate-facing


async def test_keys_read_and_write_profiles_by_scope(client, actors, make_api_key):
    manager = actors[Role.HIRING_MANAGER]
    assert (await put(client, manager, manager, '"0"', FULL)).status_code == 200
    reader = await make_api_key("users:read")
    read = await client.get(profile_url(manager), headers=reader.headers())
    assert read.status_code == 200
    assert read.json()["internal_notes"] == FULL["internal_notes"]
    refused = await client.put(
        profile_url(manager), headers={**reader.headers(), "If-Match": '"1"'}, json=FULL
    )
    assert refused.status_code == 403
    on_behalf = await make_api_key("users:read", "on_behalf_of")
    as_interviewer = await client.get(
        profile_url(manager), headers=on_behalf.headers(actors[Role.INTERVIEWER].id)
    )
    assert as_interviewer.json()["internal_notes"] is None


async def test_profile_input_is_validated(client, actors):
    manager = actors[Role.HIRING_MANAGER]
    for body, location in (
        ({"photo_url": "ftp://example.com/me.jpg"}, "body.photo_url"),
        ({"photo_url": "javascript:alert(1)"}, "body.photo_url"),
        ({"photo_url": "not a url"}, "body.photo_url"),
        ({"links": [{"label": "Blog", "url": "file:///etc/passwd"}]}, "body.links[0].url"),
        ({"links": [{"label": "", "url": "https://example.com"}]}, "body.links[0].label"),
        ({"headline": "Two\nlines"}, "body.headline"),
        ({"nickname": "Hugo"}, "body.nickname"),
        ({"user_id": str(uuid.uuid4())}, "body.user_id"),
    ):
        response = await put(client, manager, manager, '"0"', body)
        assert response.status_code == 422, (body, response.text)
        assert [e["location"] for e in response.json()["errors"]] == [location], body
    read = await act(client, manager, "GET", profile_url(manager))
    assert read.headers["etag"] == '"0"'
    ok = await put(client, manager, manager, '"0"', {"photo_url": "http://example.com/me.png"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["photo_url"] == "http://example.com/me.png"


async def test_an_unknown_user_has_no_profile(client, actors):
    nobody = uuid.uuid4()
    for actor in (actors[Role.RECRUITER], actors[Role.INTERVIEWER]):
        got = await act(client, actor, "GET", profile_url(nobody))
        assert got.status_code == 404, got.text
        assert got.json()["type"] == "/problems/not-found"
    written = await act(
        client,
        actors[Role.RECRUITER],
        "PUT",
        profile_url(nobody),
        headers={"If-Match": '"0"'},
        json=FULL,
    )
    assert written.status_code == 404, written.text


async def test_profile_updates_are_events(client, actors, runtime):
    manager = actors[Role.HIRING_MANAGER]
    assert (await put(client, manager, manager, '"0"', FULL)).status_code == 200
    assert (await put(client, manager, manager, '"0"', FULL)).status_code == 412
    events = table_of(Event).c
    async with runtime.db.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(events.type, events.subject_id, events.payload).where(
                    events.type == "hm_profile.updated"
                )
            )
        ).all()
    assert [(r.subject_id, r.payload) for r in rows] == [
        (str(manager.id), {"user_id": str(manager.id)})
    ]
