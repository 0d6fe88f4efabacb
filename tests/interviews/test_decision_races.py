"""A decision names the stage it decides on (`from_stage`) or carries `If-Match`: racing or
repeated decisions move the application once, and the others are 409 (412 with a stale
ETag). On PostgreSQL the racers really overlap: the application row is locked per decision."""

from __future__ import annotations

import asyncio

import httpx

from app.platform.runtime import Runtime
from tests.support.harness import MakeUser, asgi_client
from tests.support.intakes import act
from tests.support.interviews import PanelSetting, panel_setting
from tests.support.pipeline import APPLICATIONS


def decide_url(setting: PanelSetting) -> str:
    return f"{APPLICATIONS}/{setting.application_id}/decide"


async def stage_history(http: httpx.AsyncClient, setting: PanelSetting) -> list[str]:
    read = await act(http, setting.recruiter, "GET", f"{APPLICATIONS}/{setting.application_id}")
    assert read.status_code == 200, read.text
    return [read.json()["stage"]]


async def test_forty_racing_advances_on_one_stage_move_the_application_once(
    make_auth_app, make_user: MakeUser, runtime: Runtime
):
    application = await make_auth_app(
        db_pool_size=10, db_max_overflow=10, db_pool_timeout_seconds=60
    )
    async with asgi_client(application) as http:
        setting = await panel_setting(http, make_user, runtime)
        body = {"decision": "advance", "rationale": "Strong screen", "from_stage": "applied"}
        responses = await asyncio.gather(
            *(act(http, setting.manager, "POST", decide_url(setting), json=body) for _ in range(40))
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [409] * 39, [r.text for r in responses if r.status_code >= 500]
        loser = next(r for r in responses if r.status_code == 409).json()
        assert loser["current_stage"] == setting.technical
        assert await stage_history(http, setting) == [setting.technical]


async def test_repeating_a_decision_is_a_409_and_moves_nothing(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime)
    body = {"decision": "advance", "rationale": "Strong screen", "from_stage": "applied"}
    statuses = [
        (await act(client, setting.manager, "POST", decide_url(setting), json=body)).status_code
        for _ in range(4)
    ]
    assert statuses == [201, 409, 409, 409]
    assert await stage_history(client, setting) == [setting.technical]


async def test_if_match_is_the_other_precondition_and_none_is_a_428(
    make_auth_app, make_user: MakeUser, runtime: Runtime
):
    application = await make_auth_app(
        db_pool_size=10, db_max_overflow=10, db_pool_timeout_seconds=60
    )
    async with asgi_client(application) as http:
        setting = await panel_setting(http, make_user, runtime)
        body = {"decision": "advance", "rationale": "Strong screen"}
        missing = await act(http, setting.manager, "POST", decide_url(setting), json=body)
        assert missing.status_code == 428, missing.text
        assert missing.json()["type"] == "/problems/precondition-required"
        read = await act(http, setting.manager, "GET", f"{APPLICATIONS}/{setting.application_id}")
        etag = {"If-Match": read.headers["etag"]}
        responses = await asyncio.gather(
            *(
                act(http, setting.manager, "POST", decide_url(setting), json=body, headers=etag)
                for _ in range(10)
            )
        )
        assert sorted(r.status_code for r in responses) == [201] + [412] * 9
        assert await stage_history(http, setting) == [setting.technical]
