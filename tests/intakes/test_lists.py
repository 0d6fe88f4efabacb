"""GET /api/v1/intakes: filters, title search and keyset pagination."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

import pytest

from app.core.roles import Role
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import BASE, act, agreed_intake, intake_body


async def create(client, recruiter: Actor, manager: Actor, **extra: Any) -> dict[str, Any]:
    response = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager, **extra))
    assert response.status_code == 201, response.text
    intake: dict[str, Any] = response.json()
    return intake


async def ids(client, actor: Actor, **params: Any) -> list[str]:
    response = await act(client, actor, "GET", BASE, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


async def every_page(client, actor: Actor, **params: Any) -> list[list[str]]:
    """Follow next_cursor to the end; the ids of each page."""
    pages: list[list[str]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await act(client, actor, "GET", BASE, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([item["id"] for item in body["data"]])
        assert body["has_more"] is (body["next_cursor"] is not None)
        if body["next_cursor"] is None:
            assert "link" not in response.headers
            return pages
        assert 'rel="next"' in response.headers["link"]
        cursor = body["next_cursor"]
        assert len(pages) < 50, "pagination does not end"


@pytest.fixture
async def people(make_user: MakeUser) -> dict[str, Actor]:
    return {
        "ann": await make_user(Role.RECRUITER),
        "bob": await make_user(Role.RECRUITER),
        "hugo": await make_user(Role.HIRING_MANAGER),
        "iris": await make_user(Role.HIRING_MANAGER),
    }


async def test_filters_by_status_recruiter_and_hiring_manager(client, admin, people):
    ann, bob, hugo, iris = people["ann"], people["bob"], people["hugo"], people["iris"]
    a1 = (await create(client, ann, hugo))["id"]
    a2 = (await create(client, ann, iris))["id"]
    b1 = (await create(client, bob, hugo))["id"]
    agreed_url = await agreed_intake(client, bob, iris)
    b2 = agreed_url.rsplit("/", 1)[1]
    cancelled = await act(client, ann, "POST", f"{BASE}/{a2}/cancel")
    assert cancelled.status_code == 200

    assert await ids(client, admin) == sorted([a1, a2, b1, b2])
    assert await ids(client, admin, status="draft") == sorted([a1, b1])
    assert await ids(client, admin, status="agreed") == [b2]
    assert await ids(client, admin, status="cancelled") == [a2]
    assert await ids(client, admin, status="open") == []
    assert await ids(client, admin, recruiter_id=str(ann.id)) == sorted([a1, a2])
    assert await ids(client, admin, hiring_manager_id=str(hugo.id)) == sorted([a1, b1])
    assert await ids(client, admin, recruiter_id=str(bob.id), hiring_manager_id=str(iris.id)) == [
        b2
    ]
    assert await ids(client, admin, recruiter_id=str(bob.id), status="draft") == [b1]
    # Filters narrow what the caller may see; they never widen it.
    assert await ids(client, hugo) == sorted([a1, b1])
    assert await ids(client, hugo, recruiter_id=str(bob.id)) == [b1]
    assert await ids(client, ann, hiring_manager_id=str(hugo.id)) == [a1]
    assert await ids(client, ann, recruiter_id=str(bob.id)) == []


async def test_filter_values_are_validated(client, admin):
    for params, location in (
        ({"status": "drafty"}, "query.status"),
        ({"recruiter_id": "ann"}, "query.recruiter_id"),
        ({"updated_since": "2026-01-01T00:00:00"}, "query.updated_since"),  # no time zone
        ({"q": ""}, "query.q"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"cursor": "not-a-cursor"}, "query.cursor"),
    ):
        response = await act(client, admin, "GET", BASE, params=params)
        assert response.status_code == 422, (params, response.text)
        assert [e["location"] for e in response.json()["errors"]] == [location], params


async def test_title_search_is_case_insensitive_and_literal(client, admin, people):
    ann, hugo = people["ann"], people["hugo"]
    titles = {
        "pct": "Growth Lead 100% remote",
        "plain": "Growth Lead 1000 remote",
        "under": "Data_Engineer",
        "no_under": "DataXEngineer",
        "slash": "Back\\end Engineer",
    }
    made = {
        key: (await create(client, ann, hugo, title=title))["id"] for key, title in titles.items()
    }
    assert await ids(client, admin, q="GROWTH lead") == sorted([made["pct"], made["plain"]])
    assert await ids(client, admin, q="100%") == [made["pct"]]
    assert await ids(client, admin, q="%") == [made["pct"]]
    assert await ids(client, admin, q="a_e") == [made["under"]]
    assert await ids(client, admin, q="_") == [made["under"]]
    assert await ids(client, admin, q="engineer") == sorted(
        [made["under"], made["no_under"], made["slash"]]
    )
    assert await ids(client, admin, q="k\\e") == [made["slash"]]
    assert await ids(client, admin, q="designer") == []
    assert await ids(client, hugo, q="data") == sorted([made["under"], made["no_under"]])


async def test_updated_since_lists_changes_in_order(client, admin, people, manual_clock):
    ann, hugo = people["ann"], people["hugo"]
    start = manual_clock.now
    first = await create(client, ann, hugo, title="First")
    manual_clock.advance(3600)
    second = await create(client, ann, hugo, title="Second")
    manual_clock.advance(3600)
    third = await create(client, ann, hugo, title="Third")
    manual_clock.advance(3600)
    # Changing the first one moves it to the end of the change feed.
    changed = await act(
        client,
        ann,
        "PATCH",
        f"{BASE}/{first['id']}",
        headers={
            "If-Match": (await act(client, ann, "GET", f"{BASE}/{first['id']}")).headers["etag"]
        },
        json={"level": "Staff"},
    )
    assert changed.status_code == 200, changed.text

    since = start + timedelta(minutes=30)
    assert await ids(client, admin, updated_since=since.isoformat()) == [
        second["id"],
        third["id"],
        first["id"],
    ]
    assert await ids(client, admin, updated_since=(start + timedelta(hours=2)).isoformat()) == [
        third["id"],
        first["id"],
    ]
    # Inclusive: a change at exactly that instant is listed.
    exactly = start + timedelta(hours=3)
    assert await ids(client, admin, updated_since=exactly.isoformat()) == [first["id"]]
    # Another time zone names the same instant.
    cet = exactly.astimezone(timezone(timedelta(hours=2)))
    assert await ids(client, admin, updated_since=cet.isoformat()) == [first["id"]]
    assert (
        await ids(client, admin, updated_since=(exactly + timedelta(seconds=1)).isoformat()) == []
    )
    # The change feed pages too.
    pages = await every_page(client, admin, updated_since=since.isoformat(), limit=2)
    assert pages == [[second["id"], third["id"]], [first["id"]]]


async def test_pagination_returns_each_intake_once(client, admin, people, make_api_key):
    ann, bob, hugo = people["ann"], people["bob"], people["hugo"]
    made = [
        (await create(client, ann if i % 2 else bob, hugo, title=f"Role {i}"))["id"]
        for i in range(7)
    ]
    for limit in (1, 2, 3, 7, 50):
        pages = await every_page(client, admin, limit=limit)
        flat = [i for page in pages for i in page]
        assert flat == sorted(made), limit
        assert all(len(page) <= limit for page in pages)
    # Filters and paging together; a cursor belongs to its list.
    pages = await every_page(client, admin, limit=2, recruiter_id=str(ann.id))
    assert [i for page in pages for i in page] == sorted(made[1::2])
    first = await act(client, admin, "GET", BASE, params={"limit": 2})
    cursor = first.json()["next_cursor"]
    other_list = await act(client, admin, "GET", "/api/v1/users", params={"cursor": cursor})
    assert other_list.status_code == 422
    key = await make_api_key("intakes:read")
    response = await client.get(BASE, headers=key.headers(), params={"limit": 3})
    assert len(response.json()["data"]) == 3
    assert response.json()["has_more"] is True
    # A team member pages through only their intakes.
    pages = await every_page(client, ann, limit=2)
    assert [i for page in pages for i in page] == sorted(made[1::2])


async def test_paging_does_not_skip_or_repeat_when_intakes_change_meanwhile(
    client, admin, people, manual_clock
):
    ann, hugo = people["ann"], people["hugo"]
    made = []
    for i in range(5):
        made.append((await create(client, ann, hugo, title=f"Role {i}"))["id"])
        manual_clock.advance(60)
    since = (manual_clock.now - timedelta(days=1)).isoformat()
    page1 = await act(client, admin, "GET", BASE, params={"updated_since": since, "limit": 2})
    assert [i["id"] for i in page1.json()["data"]] == made[:2]
    # A new intake appears while the client pages: it comes at the end, nothing repeats.
    late = (await create(client, ann, hugo, title="Late"))["id"]
    seen = [i["id"] for i in page1.json()["data"]]
    cursor = page1.json()["next_cursor"]
    while cursor:
        page = await act(
            client,
            admin,
            "GET",
            BASE,
            params={"updated_since": since, "limit": 2, "cursor": cursor},
        )
        seen += [i["id"] for i in page.json()["data"]]
        cursor = page.json()["next_cursor"]
    assert seen == [*made, late]
