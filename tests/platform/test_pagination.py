"""Keyset pagination on GET /api/v1/users: signed cursors, Link headers, stable order,
no duplicates or gaps while rows are inserted, limits, and `updated_since`."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from app.core.roles import Role

LINK_NEXT = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


def next_url(response) -> str | None:
    """The target of the `Link: rel="next"` header (None when absent)."""
    link = response.headers.get("link")
    if link is None:
        return None
    match = LINK_NEXT.match(link)
    assert match, link
    return match["url"]


async def test_pages_follow_cursor_and_link_without_duplicates_or_gaps(client, admin, make_user):
    originals = {admin.id} | {(await make_user()).id for _ in range(25)}
    inserted: set[uuid.UUID] = set()
    seen: list[uuid.UUID] = []
    pages = 0
    url: str | None = "/api/v1/users?limit=7"
    while url is not None:
        response = await client.get(url, headers=admin.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"data", "next_cursor", "has_more"}
        assert len(body["data"]) <= 7
        seen.extend(uuid.UUID(u["id"]) for u in body["data"])
        pages += 1
        link = next_url(response)
        if body["next_cursor"] is None:
            assert body["has_more"] is False
            assert link is None
            url = None
        else:
            assert body["has_more"] is True
            assert len(body["data"]) == 7
            assert link is not None
            parts = urlsplit(link)
            assert parts.path == "/api/v1/users"
            query = parse_qs(parts.query)
            assert query == {"limit": ["7"], "cursor": [body["next_cursor"]]}
            # Rows written while paging must not disturb the pages still to come.
            inserted.add((await make_user()).id)
            url = link
        assert pages < 20

    assert len(seen) == len(set(seen)), "a user was served twice"
    assert seen == sorted(seen), "the order is not stable (by id)"
    from_originals = [i for i in seen if i in originals]
    assert from_originals == sorted(originals), "an original user was skipped"
    assert set(seen) <= originals | inserted
    assert len(inserted) >= 3


async def test_last_page_exactly_full_has_no_next(client, admin, make_user):
    for _ in range(3):
        await make_user()
    first = await client.get("/api/v1/users?limit=2", headers=admin.headers)
    assert first.json()["has_more"] is True
    link = next_url(first)
    assert link is not None
    second = await client.get(link, headers=admin.headers)
    body = second.json()
    assert len(body["data"]) == 2
    assert body["next_cursor"] is None
    assert body["has_more"] is False
    assert "link" not in second.headers


async def test_filters_are_kept_in_the_link(client, admin, make_user):
    for _ in range(3):
        await make_user(Role.INTERVIEWER)
    await make_user(Role.RECRUITER)
    response = await client.get("/api/v1/users?role=interviewer&limit=2", headers=admin.headers)
    assert response.status_code == 200
    link = next_url(response)
    assert link is not None
    assert parse_qs(urlsplit(link).query)["role"] == ["interviewer"]
    rest = await client.get(link, headers=admin.headers)
    roles = [u["role"] for u in response.json()["data"] + rest.json()["data"]]
    assert roles == ["interviewer"] * 3


async def test_limit_bounds(client, admin):
    for limit in ("0", "201", "-1"):
        response = await client.get(f"/api/v1/users?limit={limit}", headers=admin.headers)
        assert response.status_code == 422, (limit, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["location"] for e in response.json()["errors"]] == ["query.limit"]
    for limit in ("1", "200"):
        response = await client.get(f"/api/v1/users?limit={limit}", headers=admin.headers)
        assert response.status_code == 200, (limit, response.text)


async def test_default_limit_is_50(client, admin, make_user):
    for _ in range(50):
        await make_user()
    body = (await client.get("/api/v1/users", headers=admin.headers)).json()
    assert len(body["data"]) == 50
    assert body["has_more"] is True


def flip(cursor: str, index: int) -> str:
    replacement = "A" if cursor[index] != "A" else "B"
    return cursor[:index] + replacement + cursor[index + 1 :]


async def test_tampered_cursor_is_422(client, admin, make_user):
    for _ in range(3):
        await make_user()
    cursor = (await client.get("/api/v1/users?limit=1", headers=admin.headers)).json()[
        "next_cursor"
    ]
    # One character in the signature, one in the signed payload, and garbage.
    for bad in (flip(cursor, 3), flip(cursor, len(cursor) // 2), "not-a-cursor", cursor[:-6]):
        response = await client.get(f"/api/v1/users?limit=1&cursor={bad}", headers=admin.headers)
        assert response.status_code == 422, (bad, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["location"] == "query.cursor"
    good = await client.get(f"/api/v1/users?limit=1&cursor={cursor}", headers=admin.headers)
    assert good.status_code == 200


async def test_cursor_from_another_filter_set_is_422(client, admin, make_user):
    for _ in range(3):
        await make_user(Role.RECRUITER)
    await make_user(Role.ADMIN)
    recruiters = await client.get("/api/v1/users?role=recruiter&limit=1", headers=admin.headers)
    cursor = recruiters.json()["next_cursor"]
    assert cursor
    for other in ("role=admin", "", "is_active=true", "updated_since=2000-01-01T00:00:00Z"):
        response = await client.get(
            f"/api/v1/users?{other}&limit=1&cursor={cursor}", headers=admin.headers
        )
        assert response.status_code == 422, (other, response.text)
        assert response.json()["errors"][0]["location"] == "query.cursor"
    same = await client.get(
        f"/api/v1/users?role=recruiter&limit=1&cursor={cursor}", headers=admin.headers
    )
    assert same.status_code == 200


async def test_updated_since_returns_changes_at_or_after_the_time(client, admin, make_user):
    before = [await make_user() for _ in range(3)]
    await asyncio.sleep(0.01)
    changed = before[1]
    first = await client.get(f"/api/v1/users/{changed.id}", headers=admin.headers)
    patched = await client.patch(
        f"/api/v1/users/{changed.id}",
        headers={**admin.headers, "If-Match": first.headers["etag"]},
        json={"full_name": "Changed Later"},
    )
    assert patched.status_code == 200, patched.text
    since = datetime.fromisoformat(patched.json()["updated_at"])
    await asyncio.sleep(0.01)
    newer = [await make_user() for _ in range(2)]

    expected = [changed.id] + [u.id for u in newer]
    # The boundary is inclusive; the same instant written with another offset means the same.
    for spelled in (since, since.astimezone(timezone(timedelta(hours=-5)))):
        for limit in (1, 50):
            served: list[uuid.UUID] = []
            response = await client.get(
                "/api/v1/users",
                params={"updated_since": spelled.isoformat(), "limit": limit},
                headers=admin.headers,
            )
            while True:
                assert response.status_code == 200, response.text
                data = response.json()["data"]
                served.extend(uuid.UUID(u["id"]) for u in data)
                stamps = [datetime.fromisoformat(u["updated_at"]) for u in data]
                assert all(s >= since for s in stamps)
                link = next_url(response)
                if link is None:
                    break
                response = await client.get(link, headers=admin.headers)
            assert served == expected, (spelled, limit)

    later = since + timedelta(microseconds=1)
    response = await client.get(
        "/api/v1/users", params={"updated_since": later.isoformat()}, headers=admin.headers
    )
    assert [uuid.UUID(u["id"]) for u in response.json()["data"]] == [u.id for u in newer]


async def test_updated_since_needs_a_time_zone(client, admin):
    response = await client.get(
        "/api/v1/users", params={"updated_since": "2024-01-01T00:00:00"}, headers=admin.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "query.updated_since"


async def test_an_empty_cursor_means_the_first_page(client, admin):
    first = await client.get("/api/v1/users", headers=admin.headers)
    empty = await client.get("/api/v1/users?cursor=", headers=admin.headers)
    assert empty.status_code == 200, empty.text
    assert empty.json() == first.json()
