"""Probes and metrics: /livez needs no database, /readyz tells unreachable and unmigrated
apart, a lost database is a 503 with Retry-After, and metrics label routes by template."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from app.services.identity.auth import ACCESS_USE
from tests.support.harness import make_settings, start_app

# Nothing listens on port 1: connecting is refused at once.
UNREACHABLE_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/none"


def asgi_client(application: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def unreachable_app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    """An app started while its database does not answer: it must start anyway and serve
    503s until the database is back."""
    application = create_app(make_settings(UNREACHABLE_URL, tmp_path), background=False)
    stop = await start_app(application)
    yield application
    await stop()


@pytest.fixture
async def unmigrated_app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    """An app on a fresh, empty SQLite file."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    application = create_app(make_settings(url, tmp_path), background=False)
    yield application
    await application.state.runtime.db.dispose()


async def test_livez_answers_without_a_database(unreachable_app):
    async with asgi_client(unreachable_app) as http:
        response = await http.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_on_the_migrated_database(client):
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "migrations": "at head",
        "workers": {"alive": 0, "last_heartbeat_at": None},
    }
    assert "retry-after" not in response.headers


async def test_readyz_when_the_database_is_unreachable(unreachable_app):
    async with asgi_client(unreachable_app) as http:
        response = await http.get("/readyz")
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["database"] == "unreachable"


async def test_readyz_when_the_database_is_not_migrated(unmigrated_app):
    async with asgi_client(unmigrated_app) as http:
        response = await http.get("/readyz")
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["database"] == "ok"
    assert body["migrations"] != "at head"
    assert body["workers"] is None


@pytest.mark.parametrize(
    ("method", "path", "json"),
    [
        ("GET", "/api/v1/me", None),
        ("GET", "/api/v1/users", None),
        ("POST", "/api/v1/users", {"email": "k@example.com", "full_name": "K", "role": "admin"}),
    ],
)
async def test_api_call_without_a_database_is_503_problem(unreachable_app, method, path, json):
    runtime = unreachable_app.state.runtime
    # A well-signed token: the app has to ask the database who this is.
    token, _ = runtime.tokens.issue(
        subject=str(uuid.uuid4()),
        token_use=ACCESS_USE,
        ttl_seconds=300,
        claims={"sid": str(uuid.uuid4())},
    )
    async with asgi_client(unreachable_app) as http:
        response = await http.request(
            method,
            path,
            json=json,
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "db-down-1"},
        )
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["type"] == "/problems/service-unavailable"
    assert body["status"] == 503
    assert body["request_id"] == "db-down-1"
    assert body["instance"] == path
    assert "127.0.0.1" not in response.text  # no connection details leak


def request_counts(text: str) -> dict[tuple[str, str, str], float]:
    counts: dict[tuple[str, str, str], float] = {}
    for family in text_string_to_metric_families(text):
        if family.name != "tandem_http_requests":
            continue
        for sample in family.samples:
            if sample.name == "tandem_http_requests_total":
                labels = sample.labels
                counts[(labels["method"], labels["route"], labels["status"])] = sample.value
    return counts


async def test_metrics_label_requests_by_route_template(client, admin, make_user):
    user = await make_user()
    before = request_counts((await client.get("/metrics")).text)
    template = ("GET", "/api/v1/users/{user_id}", "200")
    missing = ("GET", "/api/v1/users/{user_id}", "404")

    for _ in range(2):
        ok = await client.get(f"/api/v1/users/{user.id}", headers=admin.headers)
        assert ok.status_code == 200
    absent = uuid.uuid4()
    assert (await client.get(f"/api/v1/users/{absent}", headers=admin.headers)).status_code == 404
    unknown_path = f"/no/such/route/{uuid.uuid4()}"
    assert (await client.get(unknown_path)).status_code == 404

    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = request_counts(response.text)
    assert after[template] - before.get(template, 0) == 2
    assert after[missing] - before.get(missing, 0) == 1
    for raw in (str(user.id), str(absent), unknown_path):
        assert raw not in response.text  # raw paths would explode the label cardinality
    assert all(route.startswith("/") or route.startswith("<") for _, route, _ in after)
