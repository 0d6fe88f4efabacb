"""Racing creates of one new candidate: every answer is a 201, a 409 or the merge/upsert
result, never a 500, and nothing of the candidate reaches the log.

On PostgreSQL the requests really overlap (each on its own connection): the loser's insert
waits on the unique index for the winner's commit. On SQLite writers take turns, which the
same assertions cover.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from fastapi import FastAPI

from app.core.logging import quiet_driver_loggers
from app.core.roles import Role
from tests.support.candidates import CANDIDATES, UPSERT, count_candidates
from tests.support.intakes import act
from tests.support.logs import formatted_logs

EMAIL = "ada.racer@example.com"
NAME = "Ada Racer"
BODY = {"full_name": NAME, "email": EMAIL}


@pytest.fixture
async def racing_app(make_auth_app):
    """An app with connections enough for every racer to hold a transaction at once."""
    return await make_auth_app(db_pool_size=10, db_max_overflow=10, db_pool_timeout_seconds=60)


def client_for(application: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_forty_racing_creates_of_one_new_email_give_one_201_and_409s(
    racing_app, make_user, runtime, caplog
):
    recruiter = await make_user(Role.RECRUITER)
    quiet_driver_loggers()  # as `tandem serve` does
    caplog.set_level(logging.DEBUG)
    async with client_for(racing_app) as http:
        for trial in range(3):
            email = f"trial{trial}.{EMAIL}"
            responses = await asyncio.gather(
                *(
                    act(
                        http,
                        recruiter,
                        "POST",
                        CANDIDATES,
                        json={"full_name": NAME, "email": email},
                    )
                    for _ in range(40)
                )
            )
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [201] + [409] * 39, [
                r.text for r in responses if r.status_code >= 500
            ]
            winner = next(r for r in responses if r.status_code == 201).json()["id"]
            for loser in (r for r in responses if r.status_code == 409):
                assert loser.headers["content-type"] == "application/problem+json"
                assert loser.json()["existing_id"] == winner
    assert await count_candidates(runtime) == 3
    logs = formatted_logs(caplog.records)
    assert EMAIL not in logs
    assert NAME not in logs


async def test_racing_merges_of_one_new_email_keep_everything(racing_app, make_user):
    recruiter = await make_user(Role.RECRUITER)
    async with client_for(racing_app) as http:
        responses = await asyncio.gather(
            *(
                act(
                    http,
                    recruiter,
                    "POST",
                    CANDIDATES,
                    params={"on_conflict": "merge"},
                    json={"full_name": NAME, "email": EMAIL, "tags": [f"tag-{n}"]},
                )
                for n in range(30)
            )
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 29 + [201], [r.text for r in responses if r.status_code >= 500]
        ids = {r.json()["id"] for r in responses}
        assert len(ids) == 1
        stored = await act(http, recruiter, "GET", f"{CANDIDATES}/{ids.pop()}")
        assert sorted(stored.json()["tags"]) == sorted(f"tag-{n}" for n in range(30))


async def test_racing_upserts_of_different_ids_and_one_email_give_201_and_409s(
    racing_app, make_user, runtime
):
    recruiter = await make_user(Role.RECRUITER)
    async with client_for(racing_app) as http:
        responses = await asyncio.gather(
            *(
                act(
                    http,
                    recruiter,
                    "PUT",
                    f"{UPSERT}/ats/id-{n}",
                    json={"full_name": NAME, "email": EMAIL},
                )
                for n in range(30)
            )
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 29, [r.text for r in responses if r.status_code >= 500]
    assert await count_candidates(runtime) == 1


async def test_racing_upserts_of_one_id_create_once(racing_app, make_user, runtime):
    recruiter = await make_user(Role.RECRUITER)
    async with client_for(racing_app) as http:
        responses = await asyncio.gather(
            *(
                act(
                    http,
                    recruiter,
                    "PUT",
                    f"{UPSERT}/ats/same",
                    json={"full_name": NAME, "email": EMAIL},
                )
                for _ in range(20)
            )
        )
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert await count_candidates(runtime) == 1
