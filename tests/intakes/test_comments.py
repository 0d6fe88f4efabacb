"""The intake's discussion thread: team members comment, mention each other, edit briefly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core.roles import Role
from app.models.base import table_of
from app.models.intakes import IntakeComment
from app.models.platform import Event
from app.platform.runtime import Runtime
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import BASE, act, intake_body


@dataclass
class Thread:
    recruiter: Actor
    manager: Actor
    interviewer: Actor
    outsider: Actor
    intake_id: str
    url: str  # the comments collection


@pytest.fixture
async def thread(client, make_user: MakeUser) -> Thread:
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    interviewer = await make_user(Role.INTERVIEWER)
    team = [{"user_id": str(interviewer.id), "team_role": "interviewer"}]
    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager, team=team))
    assert created.status_code == 201, created.text
    intake_id = created.json()["id"]
    return Thread(
        recruiter=recruiter,
        manager=manager,
        interviewer=interviewer,
        outsider=await make_user(Role.RECRUITER),
        intake_id=intake_id,
        url=f"{BASE}/{intake_id}/comments",
    )


async def post(client, actor: Actor, thread: Thread, body: str, *mentions: Actor) -> dict[str, Any]:
    response = await act(
        client,
        actor,
        "POST",
        thread.url,
        json={"body": body, "mentions": [str(m.id) for m in mentions]},
    )
    assert response.status_code == 201, response.text
    comment: dict[str, Any] = response.json()
    comment["etag"] = response.headers["etag"]
    return comment


async def listed(client, actor: Actor, thread: Thread) -> list[dict[str, Any]]:
    response = await act(client, actor, "GET", thread.url)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def comment_count(runtime: Runtime) -> int:
    async with runtime.db.engine.connect() as conn:
        table = table_of(IntakeComment)
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def comment_events(runtime: Runtime, intake_id: str) -> list[dict[str, Any]]:
    events = table_of(Event).c
    async with runtime.db.engine.connect() as conn:
        rows = await conn.execute(
            select(events.payload)
            .where(events.subject_id == intake_id, events.type == "intake.comment_added")
            .order_by(events.id)
        )
        return [dict(p) for p in rows.scalars()]


async def test_team_members_comment_and_mention_each_other(client, thread: Thread, runtime):
    first = await post(
        client, thread.recruiter, thread, "Can we move the shortlist?", thread.manager
    )
    assert first["author_id"] == str(thread.recruiter.id)
    assert first["mentions"] == [str(thread.manager.id)]
    assert (first["edited_at"], first["deleted_at"]) == (None, None)
    second = await post(
        client,
        thread.manager,
        thread,
        "  Yes, to Friday.  ",
        thread.recruiter,
        thread.interviewer,
        thread.recruiter,
    )
    assert second["body"] == "Yes, to Friday."  # trimmed
    assert second["mentions"] == [str(thread.recruiter.id), str(thread.interviewer.id)]
    third = await post(client, thread.interviewer, thread, "Noted.")

    for reader in (thread.recruiter, thread.manager, thread.interviewer):
        comments = await listed(client, reader, thread)
        assert [c["id"] for c in comments] == [first["id"], second["id"], third["id"]]
        assert [c["body"] for c in comments] == [
            "Can we move the shortlist?",
            "Yes, to Friday.",
            "Noted.",
        ]

    events = await comment_events(runtime, thread.intake_id)
    assert [(e["comment_id"], e["author_id"], e["mentions"]) for e in events] == [
        (first["id"], str(thread.recruiter.id), [str(thread.manager.id)]),
        (
            second["id"],
            str(thread.manager.id),
            [str(thread.recruiter.id), str(thread.interviewer.id)],
        ),
        (third["id"], str(thread.interviewer.id), []),
    ]
    assert all(e["intake_id"] == thread.intake_id for e in events)


async def test_only_team_members_can_be_mentioned(client, thread: Thread, runtime, admin):
    response = await act(
        client,
        thread.recruiter,
        "POST",
        thread.url,
        json={
            "body": "Looping people in",
            "mentions": [str(thread.manager.id), str(thread.outsider.id), str(admin.id)],
        },
    )
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [(e["location"], e["code"]) for e in errors] == [
        ("body.mentions[1]", "not_on_team"),
        ("body.mentions[2]", "not_on_team"),
    ]
    assert await comment_count(runtime) == 0
    assert await comment_events(runtime, thread.intake_id) == []


async def test_comment_bodies_are_validated(client, thread: Thread, runtime):
    for body, location in (
        ({"body": ""}, "body.body"),
        ({}, "body.body"),
        ({"body": "Hi", "pinned": True}, "body.pinned"),
        ({"body": "Hi", "mentions": ["someone"]}, "body.mentions[0]"),
    ):
        response = await act(client, thread.recruiter, "POST", thread.url, json=body)
        assert response.status_code == 422, (body, response.text)
        assert [e["location"] for e in response.json()["errors"]] == [location], body
    assert await comment_count(runtime) == 0


async def test_a_blank_comment_is_refused(client, thread: Thread, runtime):
    """Surrounding whitespace is trimmed, so a body of only spaces is empty: refused, like ""."""
    response = await act(client, thread.recruiter, "POST", thread.url, json={"body": " \n  "})
    assert response.status_code == 422, response.text
    assert [e["location"] for e in response.json()["errors"]] == ["body.body"]
    assert await comment_count(runtime) == 0


async def test_people_off_the_team_cannot_read_or_post(client, thread: Thread, runtime):
    assert (await act(client, thread.outsider, "GET", thread.url)).status_code == 404
    refused = await act(client, thread.outsider, "POST", thread.url, json={"body": "Hi"})
    assert refused.status_code == 404
    assert await comment_count(runtime) == 0


async def test_the_author_edits_within_fifteen_minutes(client, thread: Thread, manual_clock):
    comment = await post(client, thread.manager, thread, "Frist draft", thread.recruiter)
    target = f"{thread.url}/{comment['id']}"
    missing = await act(client, thread.manager, "PATCH", target, json={"body": "First draft"})
    assert missing.status_code == 428
    stale = await act(
        client, thread.manager, "PATCH", target, headers={"If-Match": '"99"'}, json={"body": "x"}
    )
    assert stale.status_code == 412

    manual_clock.advance(14 * 60)
    edited = await act(
        client,
        thread.manager,
        "PATCH",
        target,
        headers={"If-Match": comment["etag"]},
        json={"body": "First draft"},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["body"] == "First draft"
    assert edited.json()["mentions"] == [str(thread.recruiter.id)]  # kept when not sent
    assert edited.json()["edited_at"] is not None
    assert edited.headers["etag"] != comment["etag"]
    # Someone else on the team may not edit it (with a current ETag or not).
    other = await act(
        client,
        thread.recruiter,
        "PATCH",
        target,
        headers={"If-Match": edited.headers["etag"]},
        json={"body": "Hijacked"},
    )
    assert other.status_code == 403, other.text
    # Mentions are checked on edit too.
    bad = await act(
        client,
        thread.manager,
        "PATCH",
        target,
        headers={"If-Match": edited.headers["etag"]},
        json={"body": "Again", "mentions": [str(thread.outsider.id)]},
    )
    assert bad.status_code == 422
    assert [e["location"] for e in bad.json()["errors"]] == ["body.mentions[0]"]

    manual_clock.advance(2 * 60)  # 16 minutes after posting
    late = await act(
        client,
        thread.manager,
        "PATCH",
        target,
        headers={"If-Match": edited.headers["etag"]},
        json={"body": "Too late"},
    )
    assert late.status_code == 409, late.text
    assert "15 minutes" in late.json()["detail"]
    [stored] = await listed(client, thread.interviewer, thread)
    assert stored["body"] == "First draft"


async def test_deleting_leaves_a_stub_in_place(client, thread: Thread):
    first = await post(client, thread.manager, thread, "Keep me")
    second = await post(client, thread.manager, thread, "Delete me", thread.interviewer)
    third = await post(client, thread.interviewer, thread, "And me")
    # Neither another member nor an interviewer may delete someone else's comment.
    for actor, comment in ((thread.interviewer, second), (thread.manager, third)):
        refused = await act(client, actor, "DELETE", f"{thread.url}/{comment['id']}")
        assert refused.status_code == 403, refused.text
    deleted = await act(client, thread.manager, "DELETE", f"{thread.url}/{second['id']}")
    assert deleted.status_code == 204, deleted.text
    assert deleted.content == b""
    # The intake's recruiter may delete anyone's.
    by_owner = await act(client, thread.recruiter, "DELETE", f"{thread.url}/{third['id']}")
    assert by_owner.status_code == 204, by_owner.text

    comments = await listed(client, thread.interviewer, thread)
    assert [c["id"] for c in comments] == [first["id"], second["id"], third["id"]]
    assert [c["body"] for c in comments] == ["Keep me", None, None]
    assert comments[1]["deleted_at"] is not None
    assert comments[0]["deleted_at"] is None
    # A deleted comment is gone for edits and deletes.
    again = await act(client, thread.manager, "DELETE", f"{thread.url}/{second['id']}")
    assert again.status_code == 404
    edit = await act(
        client,
        thread.manager,
        "PATCH",
        f"{thread.url}/{second['id']}",
        headers={"If-Match": second["etag"]},
        json={"body": "Back"},
    )
    assert edit.status_code == 404


async def test_an_admin_deletes_any_comment(client, thread: Thread, admin):
    comment = await post(client, thread.interviewer, thread, "Off topic")
    response = await act(client, admin, "DELETE", f"{thread.url}/{comment['id']}")
    assert response.status_code == 204, response.text
    assert (await listed(client, admin, thread))[0]["body"] is None


async def test_a_comment_belongs_to_its_intake(client, thread: Thread, make_user):
    comment = await post(client, thread.recruiter, thread, "Here")
    manager = await make_user(Role.HIRING_MANAGER)
    other = await act(client, thread.recruiter, "POST", BASE, json=intake_body(None, manager))
    wrong = f"{BASE}/{other.json()['id']}/comments/{comment['id']}"
    assert (await act(client, thread.recruiter, "DELETE", wrong)).status_code == 404
    patched = await act(
        client,
        thread.recruiter,
        "PATCH",
        wrong,
        headers={"If-Match": comment["etag"]},
        json={"body": "Moved"},
    )
    assert patched.status_code == 404


async def test_keys_comment_only_on_behalf_of_a_team_member(
    client, thread: Thread, make_api_key, runtime
):
    key = await make_api_key("intakes:write", "on_behalf_of")
    alone = await client.post(thread.url, headers=key.headers(), json={"body": "From the ATS"})
    assert alone.status_code == 403, alone.text
    outsider = await client.post(
        thread.url, headers=key.headers(thread.outsider.id), json={"body": "From the ATS"}
    )
    assert outsider.status_code == 404, outsider.text
    assert await comment_count(runtime) == 0
    member = await client.post(
        thread.url,
        headers=key.headers(thread.manager.id),
        json={"body": "From the ATS", "mentions": [str(thread.recruiter.id)]},
    )
    assert member.status_code == 201, member.text
    assert member.json()["author_id"] == str(thread.manager.id)
    # The key may read the thread by itself.
    reader = await make_api_key("intakes:read")
    read = await client.get(thread.url, headers=reader.headers())
    assert [c["body"] for c in read.json()["data"]] == ["From the ATS"]
    refused = await client.post(thread.url, headers=reader.headers(), json={"body": "No"})
    assert refused.status_code == 403
    [event] = await comment_events(runtime, thread.intake_id)
    assert event["mentions"] == [str(thread.recruiter.id)]
