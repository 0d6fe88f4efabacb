"""Deadlines on an intake: where the shortlist and fill dates stand, with a controlled clock.

The shortlist is due soon within 3 days, the target fill date within 14; past the date it is
overdue; filling the opening meets both; a cancelled intake has no deadlines.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from app.core.roles import Role
from tests.support.harness import Actor, MakeUser, ManualClock
from tests.support.intakes import BASE, act, intake_body

DAY = 24 * 3600
NO_DEADLINES = {
    "shortlist_due_date": None,
    "target_fill_date": None,
    "days_open": None,
    "days_to_target": None,
}


@pytest.fixture
async def pair(make_user: MakeUser) -> tuple[Actor, Actor]:
    return await make_user(Role.RECRUITER), await make_user(Role.HIRING_MANAGER)


def today(clock: ManualClock) -> date:
    return clock.now.date()


async def create(client, pair, clock: ManualClock, shortlist_in: int, fill_in: int) -> str:
    recruiter, manager = pair
    body = intake_body(
        None,
        manager,
        shortlist_due_date=(today(clock) + timedelta(days=shortlist_in)).isoformat(),
        target_fill_date=(today(clock) + timedelta(days=fill_in)).isoformat(),
    )
    created = await act(client, recruiter, "POST", BASE, json=body)
    assert created.status_code == 201, created.text
    return f"{BASE}/{created.json()['id']}"


async def deadlines(client, actor: Actor, url: str) -> dict[str, Any]:
    response = await act(client, actor, "GET", url)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["deadlines"]
    return result


def states(found: dict[str, Any]) -> tuple[tuple[str, int], tuple[str, int]]:
    s, f = found["shortlist_due_date"], found["target_fill_date"]
    return (s["status"], s["days_remaining"]), (f["status"], f["days_remaining"])


async def agree(client, pair, url: str) -> None:
    recruiter, manager = pair
    assert (await act(client, recruiter, "POST", f"{url}/submit-for-review")).status_code == 200
    await act(client, recruiter, "POST", f"{url}/sign-off", json={"revision": 1})
    agreed = await act(client, manager, "POST", f"{url}/sign-off", json={"revision": 1})
    assert agreed.json()["status"] == "agreed", agreed.text


async def test_deadlines_go_from_on_track_to_due_soon_to_overdue(client, pair, manual_clock):
    recruiter = pair[0]
    url = await create(client, pair, manual_clock, shortlist_in=4, fill_in=15)
    found = await deadlines(client, recruiter, url)
    assert found["shortlist_due_date"]["date"] == (today(manual_clock) + timedelta(4)).isoformat()
    assert states(found) == (("on_track", 4), ("on_track", 15))
    assert (found["days_open"], found["days_to_target"]) == (None, None)  # not agreed yet

    manual_clock.advance(DAY)
    assert states(await deadlines(client, recruiter, url)) == (("due_soon", 3), ("due_soon", 14))
    manual_clock.advance(3 * DAY)
    assert states(await deadlines(client, recruiter, url)) == (("due_soon", 0), ("due_soon", 11))
    manual_clock.advance(DAY)
    assert states(await deadlines(client, recruiter, url)) == (("overdue", -1), ("due_soon", 10))
    manual_clock.advance(10 * DAY)
    assert states(await deadlines(client, recruiter, url)) == (("overdue", -11), ("due_soon", 0))
    manual_clock.advance(DAY)
    assert states(await deadlines(client, recruiter, url)) == (("overdue", -12), ("overdue", -1))


async def test_lists_show_the_same_deadlines(client, pair, manual_clock):
    recruiter = pair[0]
    url = await create(client, pair, manual_clock, shortlist_in=2, fill_in=30)
    manual_clock.advance(3 * DAY)
    listed = await act(client, recruiter, "GET", BASE)
    [item] = listed.json()["data"]
    assert item["deadlines"] == await deadlines(client, recruiter, url)
    assert states(item["deadlines"]) == (("overdue", -1), ("on_track", 27))


async def test_an_intake_without_dates_has_no_date_deadlines(client, pair, manual_clock):
    recruiter, manager = pair
    body = intake_body(None, manager)
    del body["shortlist_due_date"], body["target_fill_date"]
    created = await act(client, recruiter, "POST", BASE, json=body)
    assert created.json()["deadlines"] == NO_DEADLINES


async def test_days_open_and_days_to_target_count_from_opening(client, pair, manual_clock):
    recruiter = pair[0]
    url = await create(client, pair, manual_clock, shortlist_in=10, fill_in=40)
    await agree(client, pair, url)
    # Agreed, not yet open: counted from the agreement.
    found = await deadlines(client, recruiter, url)
    assert (found["days_open"], found["days_to_target"]) == (0, 40)
    manual_clock.advance(2 * DAY)
    found = await deadlines(client, recruiter, url)
    assert (found["days_open"], found["days_to_target"]) == (2, 40)

    opened = await act(client, recruiter, "POST", f"{url}/open")
    assert opened.status_code == 200, opened.text
    assert (
        opened.json()["deadlines"]["days_open"],
        opened.json()["deadlines"]["days_to_target"],
    ) == (
        0,
        38,
    )
    manual_clock.advance(5 * DAY)
    found = await deadlines(client, recruiter, url)
    assert (found["days_open"], found["days_to_target"]) == (5, 38)
    assert states(found) == (("due_soon", 3), ("on_track", 33))
    # On hold and reopened: still counted from the first opening.
    await act(client, recruiter, "POST", f"{url}/put-on-hold")
    manual_clock.advance(DAY)
    reopened = await act(client, recruiter, "POST", f"{url}/open")
    assert reopened.json()["deadlines"]["days_open"] == 6


async def test_filling_the_opening_meets_both_deadlines(client, pair, manual_clock):
    recruiter = pair[0]
    url = await create(client, pair, manual_clock, shortlist_in=10, fill_in=40)
    await agree(client, pair, url)
    await act(client, recruiter, "POST", f"{url}/open")
    manual_clock.advance(12 * DAY)  # the shortlist date has passed
    assert states(await deadlines(client, recruiter, url))[0] == ("overdue", -2)
    filled = await act(client, recruiter, "POST", f"{url}/mark-filled")
    assert filled.status_code == 200, filled.text
    found = filled.json()["deadlines"]
    assert states(found) == (("met", -2), ("met", 28))
    assert (found["days_open"], found["days_to_target"]) == (12, 40)
    # Time goes on; a filled opening's numbers stay where they were.
    manual_clock.advance(100 * DAY)
    assert await deadlines(client, recruiter, url) == found


async def test_cancelled_intakes_show_no_deadlines(client, pair, manual_clock):
    recruiter = pair[0]
    draft = await create(client, pair, manual_clock, shortlist_in=1, fill_in=5)
    assert (await deadlines(client, recruiter, draft))["shortlist_due_date"] is not None
    cancelled = await act(client, recruiter, "POST", f"{draft}/cancel", json={"reason": "Budget"})
    assert cancelled.json()["deadlines"] == NO_DEADLINES
    manual_clock.advance(30 * DAY)
    assert await deadlines(client, recruiter, draft) == NO_DEADLINES

    opened = await create(client, pair, manual_clock, shortlist_in=1, fill_in=5)
    await agree(client, pair, opened)
    await act(client, recruiter, "POST", f"{opened}/open")
    manual_clock.advance(2 * DAY)
    assert (await deadlines(client, recruiter, opened))["days_open"] == 2
    cancelled = await act(client, recruiter, "POST", f"{opened}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["deadlines"] == NO_DEADLINES
    assert await deadlines(client, recruiter, opened) == NO_DEADLINES
