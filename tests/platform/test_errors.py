"""Errors are RFC 9457 problem+json everywhere, carry the request id, never leak internals,
and bad input writes nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
from sqlalchemy import func, select

from app.models import Event, User
from app.platform.runtime import Runtime

PROBLEM = "application/problem+json"
# A generated id is a short opaque token of header-safe characters.
GENERATED_ID = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")


def asgi_client(application: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def assert_problem(
    response: httpx.Response, status: int, slug: str, instance: str
) -> dict[str, Any]:
    """The response is a complete problem+json document of the given status and type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["instance"] == instance
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def count_rows(runtime: Runtime, model: Any) -> int:
    async with runtime.db.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())


async def test_unknown_route_is_problem_404(client):
    response = await client.get("/api/v1/no-such-thing")
    body = assert_problem(response, 404, "not-found", "/api/v1/no-such-thing")
    assert "errors" not in body


async def test_wrong_method_is_problem_405(client, admin):
    response = await client.delete("/api/v1/users", headers=admin.headers)
    body = assert_problem(response, 405, "method-not-allowed", "/api/v1/users")
    assert "DELETE" in body["detail"]
    assert "allow" in response.headers


async def test_405_allow_lists_every_method_of_the_path(client, admin):
    # RFC 9110 15.5.6: a 405 MUST carry Allow with the methods the resource supports;
    # /api/v1/users answers GET (users_list) and POST (users_create).
    response = await client.delete("/api/v1/users", headers=admin.headers)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allowed


async def test_malformed_json_is_problem_400_and_writes_nothing(client, admin, runtime):
    users_before = await count_rows(runtime, User)
    response = await client.post(
        "/api/v1/users",
        headers={**admin.headers, "Content-Type": "application/json"},
        content=b'{"email": "x@example.com", "full_name": ',
    )
    assert_problem(response, 400, "malformed-body", "/api/v1/users")
    assert await count_rows(runtime, User) == users_before
    assert await count_rows(runtime, Event) == 0


async def test_validation_error_is_problem_422_with_field_errors(client, admin, runtime):
    users_before = await count_rows(runtime, User)
    response = await client.post(
        "/api/v1/users",
        headers=admin.headers,
        json={"email": "not-an-email", "role": "recruiter"},
    )
    body = assert_problem(response, 422, "validation-error", "/api/v1/users")
    by_location = {e["location"]: e for e in body["errors"]}
    assert set(by_location) == {"body.email", "body.full_name"}
    for error in body["errors"]:
        assert set(error) == {"location", "message", "code"}
        assert error["message"]
    assert by_location["body.full_name"]["code"] == "missing"
    assert "email" in by_location["body.email"]["message"]
    assert await count_rows(runtime, User) == users_before
    assert await count_rows(runtime, Event) == 0


async def test_query_validation_error_names_the_parameter(client, admin):
    response = await client.get("/api/v1/users?limit=abc", headers=admin.headers)
    body = assert_problem(response, 422, "validation-error", "/api/v1/users")
    assert [e["location"] for e in body["errors"]] == ["query.limit"]


def padded_user(email: str, size: int) -> bytes:
    """A valid users_create body, padded with JSON whitespace to exactly `size` bytes."""
    head = f'{{"email": "{email}", "full_name": "Padded User", "role": "recruiter"'.encode()
    body = head + b" " * (size - len(head) - 1) + b"}"
    assert len(body) == size
    return body


async def test_body_over_the_limit_is_problem_413(make_app, admin, runtime):
    small = await make_app(max_body_bytes=2048)
    json_headers = {**admin.headers, "Content-Type": "application/json"}
    async with asgi_client(small) as http:
        # Under the limit the padded body is accepted: the padding itself is fine.
        ok = await http.post(
            "/api/v1/users", headers=json_headers, content=padded_user("fits@example.com", 2000)
        )
        assert ok.status_code == 201, ok.text

        # Declared too large by Content-Length: refused before the app reads anything.
        declared = await http.post(
            "/api/v1/users", headers=json_headers, content=padded_user("big@example.com", 4000)
        )
        assert declared.request.headers["content-length"] == "4000"
        body = assert_problem(declared, 413, "payload-too-large", "/api/v1/users")
        assert "2048" in body["detail"]

        # Streamed without Content-Length: counted while it arrives.
        payload = padded_user("streamed@example.com", 4000)

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(payload), 500):
                yield payload[start : start + 500]

        streamed = await http.post("/api/v1/users", headers=json_headers, content=chunks())
        assert "content-length" not in streamed.request.headers
        assert streamed.request.headers["transfer-encoding"] == "chunked"
        assert_problem(streamed, 413, "payload-too-large", "/api/v1/users")

    async with runtime.db.engine.connect() as conn:
        emails = set((await conn.execute(select(User.email))).scalars())  # type: ignore[call-overload]
    assert "fits@example.com" in emails
    assert not {"big@example.com", "streamed@example.com"} & emails


async def test_unexpected_exception_is_generic_500(client):
    response = await client.get("/api/v1/_test/boom", headers={"X-Request-ID": "boom-req-1"})
    body = assert_problem(response, 500, "internal-error", "/api/v1/_test/boom")
    assert body["request_id"] == "boom-req-1"
    text = response.text
    for leak in ("vault", "1234", "RuntimeError", "Traceback", "secret internal"):
        assert leak not in text


async def test_request_id_is_echoed_when_sent(client):
    response = await client.get("/api/v1/nope", headers={"X-Request-ID": "client-id.42:a_b-c"})
    assert response.headers["x-request-id"] == "client-id.42:a_b-c"
    assert response.json()["request_id"] == "client-id.42:a_b-c"


async def test_request_id_is_generated_when_missing_or_unsafe(client):
    first = await client.get("/api/v1/nope")
    second = await client.get("/api/v1/nope")
    unsafe = await client.get("/api/v1/nope", headers={"X-Request-ID": "bad id\twith spaces"})
    ids = [r.headers["x-request-id"] for r in (first, second, unsafe)]
    for response, request_id in zip((first, second, unsafe), ids, strict=True):
        assert GENERATED_ID.match(request_id), request_id
        assert response.json()["request_id"] == request_id
    assert len(set(ids)) == 3


async def test_request_id_on_successful_responses(client, admin):
    response = await client.get("/api/v1/me", headers={**admin.headers, "X-Request-ID": "ok-1"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "ok-1"
    generated = await client.get("/livez")
    assert GENERATED_ID.match(generated.headers["x-request-id"])


async def test_control_characters_are_refused_before_the_database(client, admin, backend):
    body = {"email": "nul@example.com", "full_name": "Ann\x00Smith", "role": "recruiter"}
    response = await client.post("/api/v1/users", headers=admin.headers, json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == "body.full_name"
    audit = await client.get("/api/v1/audit-events?action=a%00b", headers=admin.headers)
    assert audit.status_code == 422
    login = await client.post(
        "/api/v1/auth/token", data={"username": "admin@example.com\x00", "password": "x"}
    )
    assert login.status_code == 401


async def test_text_the_database_cannot_store_is_a_422_not_a_500(client, admin, backend):
    response = await client.post(
        "/api/v1/_test/unchecked-name", params={"name": "a\x00b"}, headers=admin.headers
    )
    if backend.name == "postgresql":
        # PostgreSQL cannot store NUL: the safety net answers 422 and nothing is written.
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        users = await client.get("/api/v1/users", headers=admin.headers)
        assert "unchecked@example.com" not in users.text
    else:
        assert response.status_code == 201


async def test_huge_numbers_in_paths_and_queries_are_422(client, admin):
    big = 10**30
    for path in (
        f"/api/v1/intakes/00000000-0000-0000-0000-000000000000/diff?from={big}&to=1",
        f"/api/v1/intakes/00000000-0000-0000-0000-000000000000/revisions/{big}",
        f"/api/v1/interview-plans/00000000-0000-0000-0000-000000000000/versions/{big}",
    ):
        response = await client.get(path, headers=admin.headers)
        assert response.status_code == 422, path


async def test_a_number_the_database_cannot_store_is_a_422_not_a_500(client, admin):
    response = await client.post(
        "/api/v1/_test/unchecked-number", params={"number": 10**30}, headers=admin.headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    fine = await client.post(
        "/api/v1/_test/unchecked-number", params={"number": 7}, headers=admin.headers
    )
    assert fine.status_code == 201
