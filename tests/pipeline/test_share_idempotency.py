"""Every creating POST honours `Idempotency-Key`: 50 racing shares of a briefing with one key
create one public link, and every answer that is not a 409 (still in progress) is that same
link. The stored answer holds the link's token encrypted, so the database does not reveal
working links."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import select

from app.deps import idempotency_claim
from app.models.base import table_of
from app.models.platform import IdempotencyKey
from app.platform.runtime import Runtime
from tests.support.harness import MakeUser, asgi_client
from tests.support.intakes import act
from tests.support.pipeline import APPLICATIONS, applied, pipeline

# Uploads stream their body to storage and are not fingerprinted; a second recording of an
# interview is a 409 and importing a file again changes nothing.
STREAMED_UPLOADS = {"interviews_upload_recording", "imports_create"}


def uses(dependant: Dependant, call: object) -> bool:
    return dependant.call is call or any(uses(d, call) for d in dependant.dependencies)


def test_every_creating_post_takes_an_idempotency_key(app: FastAPI):
    creating = {
        context.original_route.name: context.original_route
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and "POST" in (context.original_route.methods or ())
        and context.original_route.status_code in (201, 202)
        and not context.original_route.path.startswith("/api/v1/_test")
    }
    assert "applications_share_briefing" in creating
    without = {
        name for name, route in creating.items() if not uses(route.dependant, idempotency_claim)
    }
    assert without == STREAMED_UPLOADS


async def test_fifty_racing_shares_with_one_key_create_one_link(
    make_auth_app, make_user: MakeUser, runtime: Runtime
):
    application = await make_auth_app(
        db_pool_size=10, db_max_overflow=10, db_pool_timeout_seconds=60
    )
    async with asgi_client(application) as http:
        setting = await pipeline(http, make_user)
        candidate = await applied(http, setting)
        url = f"{APPLICATIONS}/{candidate['id']}/briefing/share"
        key = {"Idempotency-Key": "share-once"}
        responses = await asyncio.gather(
            *(act(http, setting.recruiter, "POST", url, json={}, headers=key) for _ in range(50))
        )
        statuses = {r.status_code for r in responses}
        assert statuses <= {201, 409}, [r.text for r in responses if r.status_code >= 500]
        links = {r.json()["url"] for r in responses if r.status_code == 201}
        assert len(links) == 1
        again = await act(http, setting.recruiter, "POST", url, json={}, headers=key)
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["url"] in links
        listed = await act(
            http, setting.recruiter, "GET", f"{APPLICATIONS}/{candidate['id']}/briefing/links"
        )
        assert listed.status_code == 200, listed.text
        assert len(listed.json()) == 1
    token = links.pop().rsplit("/p/", 1)[1]
    keys = table_of(IdempotencyKey).c
    async with runtime.db.engine.connect() as conn:
        stored = (await conn.execute(select(keys.response_body))).scalars().all()
    assert len(stored) == 1
    assert token.encode() not in stored[0]
