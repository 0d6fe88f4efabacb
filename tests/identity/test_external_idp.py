"""Tokens from an external OpenID Connect provider, verified against its JWKS (file or URL)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from app.core.roles import Role
from tests.support.harness import AppFactory, MakeUser, asgi_client, b64url, encode_jwt, rs256

ME = "/api/v1/me"
ISSUER = "https://idp.example.test/"
AUDIENCE = "tandem-from-idp"
KID = "idp-key-2025"


def _jwk(public_key: rsa.RSAPublicKey, kid: str) -> dict[str, str]:
    numbers = public_key.public_numbers()
    return {
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": kid,
        "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
        "e": b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
    }


@dataclass
class Provider:
    key: rsa.RSAPrivateKey
    jwks: bytes

    def token(
        self,
        email: str | None,
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = KID,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": uuid.uuid4().hex,
            "iat": now,
            "exp": now + 300,
            **claims,
        }
        if email is not None:
            payload["email"] = email
        header = {"alg": "RS256", "typ": "JWT", "kid": kid}
        return encode_jwt(header, payload, rs256(key or self.key))


@pytest.fixture(scope="module")
def provider() -> Provider:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Provider(key=key, jwks=orjson.dumps({"keys": [_jwk(key.public_key(), KID)]}))


@pytest.fixture
async def idp_app(make_auth_app: AppFactory, provider: Provider, tmp_path: Path) -> FastAPI:
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_bytes(provider.jwks)
    return await make_auth_app(oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks=str(jwks_file))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_provider_token_of_an_active_user_authenticates(idp_app, provider, make_user):
    user = await make_user(Role.HIRING_MANAGER, email="hannah.hm@example.com")
    async with asgi_client(idp_app) as http:
        response = await http.get(ME, headers=bearer(provider.token("hannah.hm@example.com")))
        assert response.status_code == 200, response.text
        assert response.json()["id"] == str(user.id)
        # E-mail addresses are compared case-insensitively.
        response = await http.get(ME, headers=bearer(provider.token("Hannah.HM@Example.com")))
        assert response.status_code == 200, response.text
        # The provider's user is bound by the Tandem role: a hiring manager cannot list users.
        response = await http.get(
            "/api/v1/users", headers=bearer(provider.token("hannah.hm@example.com"))
        )
        assert response.status_code == 403


async def test_provider_tokens_that_must_not_authenticate(
    idp_app: FastAPI, provider: Provider, make_user: MakeUser
):
    await make_user(Role.RECRUITER, email="rita@example.com")
    await make_user(Role.RECRUITER, email="gone@example.com", active=False)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    cases = {
        "unknown e-mail": provider.token("nobody@example.com"),
        "inactive user": provider.token("gone@example.com"),
        "no e-mail claim": provider.token(None),
        "wrong audience": provider.token("rita@example.com", aud="someone-else"),
        "expired": provider.token("rita@example.com", iat=now - 600, exp=now - 300),
        "other key, same kid": provider.token("rita@example.com", key=stranger),
        "other key, other kid": provider.token("rita@example.com", key=stranger, kid="k2"),
        "unsigned": encode_jwt(
            {"alg": "none", "kid": KID},
            {
                "iss": ISSUER,
                "aud": AUDIENCE,
                "sub": "x",
                "iat": now,
                "exp": now + 60,
                "email": "rita@example.com",
            },
            None,
        ),
    }
    async with asgi_client(idp_app) as http:
        assert (
            await http.get(ME, headers=bearer(provider.token("rita@example.com")))
        ).status_code == 200
        for case, token in cases.items():
            response = await http.get(ME, headers=bearer(token))
            assert response.status_code == 401, (case, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")


async def test_provider_tokens_are_refused_when_no_provider_is_configured(
    client, provider, make_user
):
    await make_user(Role.RECRUITER, email="rita@example.com")
    response = await client.get(ME, headers=bearer(provider.token("rita@example.com")))
    assert response.status_code == 401


@pytest.fixture
def jwks_server(provider: Provider) -> Iterator[str]:
    """A real local HTTP server publishing the provider's JWKS."""
    body = provider.jwks

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


async def test_jwks_served_from_a_url(make_auth_app, provider, make_user, jwks_server):
    user = await make_user(Role.INTERVIEWER, email="ivan@example.com")
    application = await make_auth_app(
        oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks=jwks_server
    )
    async with asgi_client(application) as http:
        response = await http.get(ME, headers=bearer(provider.token("ivan@example.com")))
        assert response.status_code == 200, response.text
        assert response.json()["id"] == str(user.id)
        response = await http.get(ME, headers=bearer(provider.token("ivan@example.com", aud="x")))
        assert response.status_code == 401


async def test_provider_token_with_an_unverified_email_is_refused(idp_app, provider, make_user):
    # The provider itself says it has not verified that the caller owns this address: mapping
    # such a token to the Tandem account with that address would hand the account over.
    await make_user(Role.ADMIN, email="boss@example.com")
    async with asgi_client(idp_app) as http:
        verified = provider.token("boss@example.com", email_verified=True)
        assert (await http.get(ME, headers=bearer(verified))).status_code == 200
        unverified = provider.token("boss@example.com", email_verified=False)
        assert (await http.get(ME, headers=bearer(unverified))).status_code == 401


@pytest.mark.parametrize("kid", [["a"], {"k": "v"}])
async def test_provider_token_with_a_kid_that_is_not_a_string_is_401(idp_app, provider, kid):
    token = provider.token("rita@example.com", kid=kid)
    async with asgi_client(idp_app) as http:
        response = await http.get(ME, headers=bearer(token))
    assert response.status_code == 401, response.text


async def test_an_unreachable_jwks_url_is_a_503_that_names_the_provider(
    make_auth_app, provider, make_user
):
    await make_user(Role.RECRUITER, email="rita@example.com")
    # Port 9 (discard) on the loopback interface: nothing listens, the connection is refused.
    application = await make_auth_app(
        oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks="http://127.0.0.1:9/jwks.json"
    )
    async with asgi_client(application) as http:
        response = await http.get(ME, headers=bearer(provider.token("rita@example.com")))
    assert response.status_code == 503, response.text
    assert "retry-after" in response.headers
    # Operators must not be sent looking at the database when the identity provider is down.
    assert "database" not in response.json()["detail"].lower(), response.json()["detail"]
