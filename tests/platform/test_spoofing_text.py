"""Unicode that spoofs is refused or removed the same way in every human-readable text field:
C1 controls, line and paragraph separators and bidirectional overrides are a 422; invisible
characters (zero-width space, word joiner, BOM) are removed; joiners stay only where a
script or an emoji needs them."""

from __future__ import annotations

import pytest

from app.core.roles import Role
from tests.support.candidates import CANDIDATES
from tests.support.intakes import BASE, act, intake_body

REFUSED = ["\u0085", "\u009b", "\u2028", "\u2029", "\u202e", "\u202d", "\u2066", "\u2069"]


@pytest.mark.parametrize("char", REFUSED)
async def test_spoofing_characters_are_refused_in_names_titles_and_text(client, make_user, char):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    for path, body, field in (
        (CANDIDATES, {"full_name": f"Sam{char}Okafor"}, "body.full_name"),
        (CANDIDATES, {"full_name": "Sam", "current_title": f"Le{char}ad"}, "body.current_title"),
        (BASE, intake_body(None, manager, title=f"Engineer{char}gnp.exe"), "body.title"),
    ):
        response = await act(client, recruiter, "POST", path, json=body)
        assert response.status_code == 422, (path, response.text)
        assert field in [e["location"] for e in response.json()["errors"]]
    profile = f"/api/v1/users/{manager.id}/hm-profile"
    response = await act(
        client, manager, "PUT", profile, headers={"If-Match": '"0"'}, json={"bio": f"Hi{char}there"}
    )
    assert response.status_code == 422, response.text


async def test_invisible_characters_are_removed(client, make_user):
    recruiter = await make_user(Role.RECRUITER)
    created = await act(
        client,
        recruiter,
        "POST",
        CANDIDATES,
        json={
            "full_name": "\ufeffSam\u200b Oka\u2060for",
            "current_title": "ad\u200dmin",
            "headline": "\U0001f469\u200d\U0001f4bb dev",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["full_name"] == "Sam Okafor"
    assert body["current_title"] == "admin"
    assert body["headline"] == "\U0001f469\u200d\U0001f4bb dev"  # an emoji's joiner stays


async def test_a_name_of_invisible_characters_only_is_refused(client, make_user):
    recruiter = await make_user(Role.RECRUITER)
    response = await act(client, recruiter, "POST", CANDIDATES, json={"full_name": "\u200b\ufeff"})
    assert response.status_code == 422, response.text
