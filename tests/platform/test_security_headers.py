"""Security headers on every response: nosniff, no framing, no referrer, a strict
Content-Security-Policy (the API docs get one their scripts work with), HSTS in production.
HTML pages' style blocks are allowed by hash, and images only from this service and the
configured image hosts, so a candidate's browser calls no third party."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx

from app.core.roles import Role
from app.platform.runtime import Runtime
from tests.support.harness import MakeUser, asgi_client
from tests.support.intakes import act
from tests.support.interviews import panel_setting
from tests.support.pipeline import APPLICATIONS


def policy(response: httpx.Response) -> dict[str, list[str]]:
    directives = [d.strip().split() for d in response.headers["content-security-policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


def assert_common(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert policy(response)["frame-ancestors"] == ["'none'"]


def styles_allowed(response: httpx.Response) -> None:
    """Every `<style>` block of the page is allowed by its hash, and nothing else is."""
    blocks = re.findall(r"<style>(.*?)</style>", response.text, re.DOTALL)
    assert blocks
    allowed = policy(response)["style-src"]
    for block in blocks:
        digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed
    assert "'unsafe-inline'" not in allowed


async def test_api_answers_and_errors_carry_the_strict_headers(client, actors):
    for response in (
        await client.get("/api/v1/me", headers=actors[Role.RECRUITER].headers),
        await client.get("/api/v1/no-such-route"),
        await client.get("/livez"),
    ):
        assert_common(response)
        rules = policy(response)
        assert rules["default-src"] == ["'none'"]
        assert rules["img-src"] == ["'self'"]
        assert "script-src" not in rules  # falls back to default-src 'none'
        assert "strict-transport-security" not in response.headers  # development


async def test_production_adds_hsts(make_app):
    application = await make_app(env="production", public_base_url="https://tandem.example.com")
    async with asgi_client(application) as http:
        response = await http.get("/livez")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_the_docs_get_a_policy_their_scripts_work_with(client):
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        response = await client.get(path)
        assert response.status_code == 200
        assert_common(response)
        rules = policy(response)
        assert rules["script-src"] == ["'self'", "'unsafe-inline'"]
        assert "'self'" in rules["connect-src"]  # the page fetches /openapi.json
        for src in re.findall(r'<script src="([^"]+)"', response.text):
            assert src.startswith("/docs/assets/"), src  # served here, allowed by 'self'


async def test_the_public_briefing_and_the_html_kit_allow_only_their_styles_and_image_hosts(
    make_auth_app, make_user: MakeUser, runtime: Runtime
):
    application = await make_auth_app(image_hosts=["images.example.com"])
    async with asgi_client(application) as http:
        setting = await panel_setting(http, make_user, runtime)
        shared = await act(
            http,
            setting.recruiter,
            "POST",
            f"{APPLICATIONS}/{setting.application_id}/briefing/share",
            json={},
        )
        page = await http.get("/p/" + shared.json()["url"].rsplit("/p/", 1)[1])
        assert page.status_code == 200, page.text
        kit = await act(
            http,
            setting.recruiter,
            "GET",
            f"/api/v1/interview-plans/{setting.plan['id']}/stages/{setting.technical}/kit",
            headers={"Accept": "text/html"},
        )
        assert kit.status_code == 200, kit.text
    for response in (page, kit):
        assert response.headers["content-type"].startswith("text/html")
        assert_common(response)
        styles_allowed(response)
        rules = policy(response)
        assert rules["img-src"] == ["'self'", "https://images.example.com"]
        assert rules["default-src"] == ["'none'"]
        assert rules["base-uri"] == ["'none'"]
        assert rules["form-action"] == ["'none'"]
