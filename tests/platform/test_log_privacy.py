"""A unique key taken between a service's check and its write is a 409 wherever it happens,
and no log line (nor a stored failure text) quotes what the database refused: no names,
e-mail addresses or other values, in either log format."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError

from app.core.redaction import describe_exception
from app.core.roles import Role
from app.models.identity import User
from app.platform.runtime import Runtime
from tests.support.logs import formatted_logs

SECRET_NAME = "Grace Hopperish-Secretname"
SECRET_EMAIL = "unchecked@example.com"  # the address the test route always writes


async def test_a_unique_key_taken_anywhere_is_a_409_and_the_log_quotes_nothing(
    client, admin, caplog
):
    caplog.set_level(logging.INFO)
    url = "/api/v1/_test/unchecked-name"
    first = await client.post(url, params={"name": SECRET_NAME}, headers=admin.headers)
    assert first.status_code == 201, first.text
    second = await client.post(url, params={"name": SECRET_NAME}, headers=admin.headers)
    assert second.status_code == 409, second.text
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["type"] == "/problems/conflict"
    assert SECRET_EMAIL not in second.text
    logs = formatted_logs(caplog.records)
    assert "constraint" in logs  # the refusal is logged, by kind
    assert SECRET_EMAIL not in logs
    assert SECRET_NAME not in logs


async def duplicate_user_error(runtime: Runtime) -> IntegrityError:
    """A real unique violation from the test database, values and all."""

    def user() -> User:
        return User(email=SECRET_EMAIL, full_name=SECRET_NAME, role=Role.INTERVIEWER)

    async with runtime.db.unit_of_work(write=True) as session:
        session.add(user())
    with pytest.raises(IntegrityError) as caught:
        async with runtime.db.unit_of_work(write=True) as session:
            session.add(user())
    return caught.value


async def test_a_database_error_is_logged_without_its_values(runtime, backend, caplog):
    error = await duplicate_user_error(runtime)
    caplog.set_level(logging.INFO)
    logging.getLogger("tandem.test").error("unhandled", exc_info=error)
    logs = formatted_logs(caplog.records)
    assert "IntegrityError" in logs
    assert "Traceback" in logs  # where it happened is kept
    assert SECRET_EMAIL not in logs
    assert SECRET_NAME not in logs
    if backend.name == "postgresql":
        assert "sqlstate=23505" in describe_exception(error)
        assert "constraint_name=uq_users_email" in describe_exception(error)
    else:
        assert "UNIQUE constraint failed: users.email" in describe_exception(error)


def test_a_validation_error_is_described_by_location_and_kind_only():
    class Person(BaseModel):
        email: int

    with pytest.raises(ValidationError) as caught:
        Person(email=SECRET_EMAIL)
    text = describe_exception(caught.value)
    assert "email:int_parsing" in text
    assert SECRET_EMAIL not in text


# --- Paths in the access log: secrets redacted, control characters escaped ----------------


async def test_a_public_briefing_token_never_reaches_the_access_log(
    make_auth_app, make_user, runtime, caplog
):
    from tests.support.harness import asgi_client
    from tests.support.intakes import act
    from tests.support.pipeline import APPLICATIONS, applied, pipeline

    logged = await make_auth_app(access_log=True)
    async with asgi_client(logged) as http:
        setting = await pipeline(http, make_user)
        application = await applied(http, setting)
        shared = await act(
            http,
            setting.recruiter,
            "POST",
            f"{APPLICATIONS}/{application['id']}/briefing/share",
            json={},
        )
        assert shared.status_code == 201, shared.text
        token = shared.json()["url"].rsplit("/p/", 1)[1]
        caplog.set_level(logging.INFO)
        assert (await http.get(f"/p/{token}")).status_code == 200
        assert (await http.get(f"/p/{token}x")).status_code == 404
    logs = formatted_logs(caplog.records)
    assert "GET /p/<redacted> 200" in logs
    assert "GET /p/<redacted> 404" in logs
    assert token not in logs


async def test_a_line_break_in_a_path_cannot_forge_a_text_log_line(make_auth_app, caplog):
    from tests.support.harness import asgi_client

    logged = await make_auth_app(access_log=True)
    caplog.set_level(logging.INFO)
    async with asgi_client(logged) as http:
        forged = "/api/v1/x%0a2026-01-01 00:00:00,000 INFO [-] tandem.access: GET /admin 200"
        assert (await http.get(forged)).status_code == 404
        await http.get("/api/v1/y%1b%5b31m%c2%85%e2%80%a8")
    access = [r for r in caplog.records if r.name == "tandem.access"]
    text = formatted_logs(access)
    assert len(text.splitlines()) == 2 * len(access)  # one line per record and format
    assert "/api/v1/x\\n2026-01-01" in text
    assert "\\x1b[31m" in text
    assert "\\x85" in text
    assert "\\u2028" in text
    for line in text.splitlines()[1::2]:
        json.loads(line)  # the JSON lines stay valid JSON
