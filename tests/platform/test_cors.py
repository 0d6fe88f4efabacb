"""CORS: browser front ends on the allowed origins may call the API and read its protocol
headers; other origins get no CORS headers; with no origins configured nothing changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core.config import Settings
from app.core.cors import EXPOSED_HEADERS
from tests.support.harness import asgi_client

FRONT_END = "https://app.example.com"


def preflight(origin: str, method: str = "PATCH", headers: str = "authorization, if-match"):
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers,
    }


async def test_a_preflight_from_an_allowed_origin_is_answered(make_app):
    application = await make_app(cors_origins=[FRONT_END, "http://localhost:5173"])
    async with asgi_client(application) as http:
        response = await http.options(
            "/api/v1/intakes/0190c8a4-7d7e-7000-8000-000000000000",
            headers=preflight(FRONT_END, "PATCH", "authorization, content-type, if-match"),
        )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == FRONT_END
    allowed_methods = response.headers["access-control-allow-methods"]
    assert {"GET", "POST", "PUT", "PATCH", "DELETE"} <= {
        m.strip() for m in allowed_methods.split(",")
    }
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert {"authorization", "if-match", "idempotency-key", "on-behalf-of"} <= allowed
    assert "access-control-allow-credentials" not in response.headers
    assert int(response.headers["access-control-max-age"]) > 0
    assert "origin" in response.headers.get("vary", "").lower()


async def test_a_preflight_from_another_origin_gets_no_permission(make_app):
    application = await make_app(cors_origins=[FRONT_END])
    async with asgi_client(application) as http:
        response = await http.options(
            "/api/v1/intakes", headers=preflight("https://evil.example.net", "POST")
        )
        # Same host, other scheme or port: another origin.
        for origin in ("http://app.example.com", "https://app.example.com:8443"):
            other = await http.options("/api/v1/intakes", headers=preflight(origin, "POST"))
            assert "access-control-allow-origin" not in other.headers
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_a_header_the_api_does_not_take_is_refused_in_preflight(make_app):
    application = await make_app(cors_origins=[FRONT_END])
    async with asgi_client(application) as http:
        response = await http.options(
            "/api/v1/intakes", headers=preflight(FRONT_END, "POST", "x-custom-thing")
        )
    assert response.status_code == 400


async def test_responses_expose_the_protocol_headers_to_the_allowed_origin(make_app, admin):
    application = await make_app(cors_origins=[FRONT_END])
    async with asgi_client(application) as http:
        listing = await http.get(
            "/api/v1/users?limit=1", headers={**admin.headers, "Origin": FRONT_END}
        )
        single = await http.get(
            f"/api/v1/users/{admin.id}", headers={**admin.headers, "Origin": FRONT_END}
        )
        unauthenticated = await http.get("/api/v1/users", headers={"Origin": FRONT_END})
    assert listing.status_code == 200
    assert listing.headers["access-control-allow-origin"] == FRONT_END
    exposed = {
        h.strip().lower() for h in listing.headers["access-control-expose-headers"].split(",")
    }
    needed = {"etag", "link", "location", "x-request-id", "retry-after", "ratelimit"}
    assert needed | {"ratelimit-policy", "idempotent-replayed"} <= exposed
    assert {h.lower() for h in EXPOSED_HEADERS} == exposed
    assert single.headers["etag"]
    assert "access-control-allow-credentials" not in single.headers
    # A problem answer is readable by the front end too.
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["access-control-allow-origin"] == FRONT_END


async def test_an_unexpected_failure_still_carries_the_cors_headers(make_app):
    application = await make_app(cors_origins=[FRONT_END])
    async with asgi_client(application) as http:
        response = await http.get("/api/v1/_test/boom", headers={"Origin": FRONT_END})
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == FRONT_END
    assert response.headers["x-request-id"]


async def test_a_wildcard_allows_every_origin_without_credentials(make_app):
    application = await make_app(cors_origins=["*"])
    async with asgi_client(application) as http:
        response = await http.options(
            "/api/v1/me", headers=preflight("https://anywhere.example.org", "GET", "authorization")
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


async def test_without_origins_there_is_no_cors(client, admin):
    response = await client.options("/api/v1/users", headers=preflight(FRONT_END, "GET"))
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers
    plain = await client.get("/api/v1/users", headers={**admin.headers, "Origin": FRONT_END})
    assert plain.status_code == 200
    assert "access-control-allow-origin" not in plain.headers


@pytest.mark.parametrize(
    "origin",
    [
        "https://app.example.com/",
        "https://app.example.com/path",
        "app.example.com",
        "ftp://app.example.com",
        "https://app.example.com:port",
        "",
    ],
)
def test_origins_must_be_origins(origin, tmp_path):
    with pytest.raises(ValidationError, match="is not an origin"):
        Settings(_env_file=None, data_dir=tmp_path, cors_origins=[origin])


def test_origins_are_a_json_list_in_the_environment(monkeypatch, tmp_path: Path):
    for name in list(os.environ):
        if name.startswith("TANDEM_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv(
        "TANDEM_CORS_ORIGINS",
        '["https://app.example.com", "http://localhost:5173", "http://[::1]:8080"]',
    )
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert settings.cors_origins == [
        "https://app.example.com",
        "http://localhost:5173",
        "http://[::1]:8080",
    ]
    monkeypatch.delenv("TANDEM_CORS_ORIGINS")
    assert Settings(_env_file=None, data_dir=tmp_path).cors_origins == []
