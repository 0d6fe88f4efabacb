"""Access-token checks: every malformed, forged, expired or misused token is a 401 problem."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.core.tokens import LEEWAY_SECONDS, TokenService
from app.platform.runtime import Runtime
from app.services.identity.auth import ACCESS_USE, REFRESH_USE
from tests.support.harness import (
    TEST_SECRET,
    Actor,
    AppFactory,
    MakeUser,
    asgi_client,
    encode_jwt,
    hs256,
)

ME = "/api/v1/me"
DROP = object()


def claims_for(runtime: Runtime, actor: Actor, **changes: Any) -> dict[str, Any]:
    """Valid access-token claims for `actor`, with changes (DROP removes a claim)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": runtime.tokens.issuer,
        "aud": runtime.tokens.audience,
        "sub": str(actor.id),
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "typ": ACCESS_USE,
        "sid": str(actor.session_id),
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not DROP}


def hmac_key(tokens: TokenService) -> bytes:
    """The HS256 key the token service signs with."""
    key = tokens.current.sign_with
    assert isinstance(key, bytes)
    return key


def signed(runtime: Runtime, claims: dict[str, Any], **header: Any) -> str:
    """A token signed like the app signs (HS256 with the current key and its kid)."""
    key = runtime.tokens.current
    return encode_jwt(
        {"alg": "HS256", "typ": "JWT", "kid": key.kid, **header},
        claims,
        hs256(hmac_key(runtime.tokens)),
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_unauthorized(response: httpx.Response, reason: str | None = None) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "Bearer" in response.headers["www-authenticate"]
    body = response.json()
    assert body["type"] == "/problems/unauthorized"
    assert body["status"] == 401
    if reason is not None:
        assert reason in body["detail"], body["detail"]


@pytest.fixture
async def user(make_user: MakeUser) -> Actor:
    return await make_user("recruiter")


async def test_a_hand_made_token_with_every_claim_is_accepted(client, runtime, user):
    # The control for every negative case below: the same construction, nothing removed.
    response = await client.get(ME, headers=bearer(signed(runtime, claims_for(runtime, user))))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == str(user.id)


async def test_expired_token_is_rejected_beyond_the_leeway_only(client, runtime, user):
    expired, _ = runtime.tokens.issue(
        subject=str(user.id),
        token_use=ACCESS_USE,
        ttl_seconds=-(LEEWAY_SECONDS + 30),
        claims={"sid": str(user.session_id)},
    )
    assert_unauthorized(await client.get(ME, headers=bearer(expired)), "expired")

    just_expired, _ = runtime.tokens.issue(
        subject=str(user.id),
        token_use=ACCESS_USE,
        ttl_seconds=-5,
        claims={"sid": str(user.session_id)},
    )
    assert (await client.get(ME, headers=bearer(just_expired))).status_code == 200


async def test_token_signed_with_another_secret_is_rejected(client, runtime, user):
    other = TokenService(
        issuer=runtime.tokens.issuer,
        audience=runtime.tokens.audience,
        secret="another-secret-key-that-this-app-does-not-know-0123456789",
    )
    token, _ = other.issue(
        subject=str(user.id),
        token_use=ACCESS_USE,
        ttl_seconds=300,
        claims={"sid": str(user.session_id)},
    )
    assert_unauthorized(await client.get(ME, headers=bearer(token)), "unknown key")

    # The same foreign key, but claiming this app's kid: the signature check must catch it.
    forged = encode_jwt(
        {"alg": "HS256", "typ": "JWT", "kid": runtime.tokens.current.kid},
        claims_for(runtime, user),
        hs256(hmac_key(other)),
    )
    assert_unauthorized(await client.get(ME, headers=bearer(forged)), "signature")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_unsigned_alg_none_token_is_rejected(client, runtime, user, alg):
    header = {"alg": alg, "typ": "JWT", "kid": runtime.tokens.current.kid}
    token = encode_jwt(header, claims_for(runtime, user), None)
    assert token.endswith(".")
    assert_unauthorized(await client.get(ME, headers=bearer(token)))


def _write_private_key(path: Path, kind: str) -> Path:
    if kind == "rsa":
        key: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def _public_pem(private_key_file: Path) -> bytes:
    private_key = serialization.load_pem_private_key(private_key_file.read_bytes(), password=None)
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.mark.parametrize("kind", ["rsa", "p256"])
async def test_hs256_token_keyed_with_the_public_key_is_rejected_when_keys_are_asymmetric(
    make_auth_app: AppFactory, user: Actor, client: httpx.AsyncClient, tmp_path: Path, kind: str
):
    key_file = _write_private_key(tmp_path / f"{kind}.pem", kind)
    application = await make_auth_app(jwt_private_key_file=key_file)
    tokens: TokenService = application.state.runtime.tokens
    assert tokens.current.algorithm == ("RS256" if kind == "rsa" else "ES256")
    good, _ = tokens.issue(
        subject=str(user.id),
        token_use=ACCESS_USE,
        ttl_seconds=300,
        claims={"sid": str(user.session_id)},
    )
    public_pem = _public_pem(key_file)
    claims = claims_for(application.state.runtime, user)
    header = {"alg": "HS256", "typ": "JWT", "kid": tokens.current.kid}
    async with asgi_client(application) as http:
        assert (await http.get(ME, headers=bearer(good))).status_code == 200
        # The classic algorithm-confusion attack: the public key (which anyone may hold) used
        # as the HMAC secret, in every spelling a verifier might use for it.
        for secret in (public_pem, public_pem.strip(), public_pem.decode().encode("utf-8")):
            forged = encode_jwt(header, claims, hs256(secret))
            assert_unauthorized(await http.get(ME, headers=bearer(forged)))
        # And an HS256 token of the shared-secret app is not accepted by the asymmetric one.
        assert_unauthorized(await http.get(ME, headers=bearer(user.token)), "unknown key")
    # Nor the other way round.
    assert_unauthorized(await client.get(ME, headers=bearer(good)), "unknown key")


async def test_previous_public_key_is_accepted_after_an_asymmetric_key_rotation(
    make_auth_app: AppFactory, user: Actor, tmp_path: Path
):
    old_file = _write_private_key(tmp_path / "old.pem", "rsa")
    new_file = _write_private_key(tmp_path / "new.pem", "rsa")
    old_public = tmp_path / "old.pub.pem"
    old_public.write_bytes(_public_pem(old_file))
    old_app = await make_auth_app(jwt_private_key_file=old_file)
    old_token, _ = old_app.state.runtime.tokens.issue(
        subject=str(user.id),
        token_use=ACCESS_USE,
        ttl_seconds=300,
        claims={"sid": str(user.session_id)},
    )
    rotated = await make_auth_app(
        jwt_private_key_file=new_file, jwt_previous_public_key_files=[old_public]
    )
    not_rotated = await make_auth_app(jwt_private_key_file=new_file)
    async with asgi_client(rotated) as http:
        assert (await http.get(ME, headers=bearer(old_token))).status_code == 200
    async with asgi_client(not_rotated) as http:
        assert_unauthorized(await http.get(ME, headers=bearer(old_token)), "unknown key")


async def test_wrong_audience_is_rejected(client, runtime, user):
    token = signed(runtime, claims_for(runtime, user, aud="some-other-api"))
    assert_unauthorized(await client.get(ME, headers=bearer(token)), "audience")


async def test_wrong_issuer_is_rejected(client, runtime, user):
    token = signed(runtime, claims_for(runtime, user, iss="https://evil.example.test"))
    assert_unauthorized(await client.get(ME, headers=bearer(token)), "issuer")


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        ("exp", "missing a required claim"),
        ("iat", "missing a required claim"),
        ("sub", "missing a required claim"),
        ("jti", "missing a required claim"),
        ("aud", "missing a required claim"),
        ("iss", "missing a required claim"),
        ("typ", "no typ claim"),
        ("sid", "malformed claims"),
    ],
)
async def test_token_missing_a_required_claim_is_rejected(client, runtime, user, claim, reason):
    token = signed(runtime, claims_for(runtime, user, **{claim: DROP}))
    assert_unauthorized(await client.get(ME, headers=bearer(token)), reason)


async def test_refresh_token_cannot_be_used_as_an_access_token(client, runtime, user):
    refresh, _ = runtime.tokens.issue(
        subject=str(user.id),
        token_use=REFRESH_USE,
        ttl_seconds=300,
        claims={"sid": str(user.session_id)},
    )
    assert_unauthorized(await client.get(ME, headers=bearer(refresh)), "refresh token")


async def test_access_token_cannot_be_used_to_refresh(client, user):
    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": user.token})
    assert_unauthorized(response)


async def test_unknown_or_missing_kid_is_rejected(client, runtime, user):
    claims = claims_for(runtime, user)
    key = hs256(hmac_key(runtime.tokens))
    unknown = encode_jwt({"alg": "HS256", "typ": "JWT", "kid": "0123456789abcdef"}, claims, key)
    assert_unauthorized(await client.get(ME, headers=bearer(unknown)), "unknown key")
    missing = encode_jwt({"alg": "HS256", "typ": "JWT"}, claims, key)
    assert_unauthorized(await client.get(ME, headers=bearer(missing)), "unknown key")


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt", "Bearer ....", "Token abc"],
)
async def test_malformed_authorization_headers_are_401(client, authorization):
    assert_unauthorized(await client.get(ME, headers={"Authorization": authorization}))


async def test_token_of_an_ended_session_is_rejected(client, runtime, user):
    token = signed(runtime, claims_for(runtime, user, sid=str(uuid.uuid4())))
    assert_unauthorized(await client.get(ME, headers=bearer(token)), "session")


async def test_tokens_of_a_previous_secret_are_accepted_only_while_it_is_listed(
    make_auth_app: AppFactory, user: Actor, client: httpx.AsyncClient
):
    new_secret = "a-new-secret-key-after-rotation-0123456789-abcdefghijklmnop"
    rotated = await make_auth_app(secret_key=new_secret, previous_secret_keys=[TEST_SECRET])
    retired = await make_auth_app(secret_key=new_secret)
    async with asgi_client(rotated) as http:
        # user.token was signed by the main app, i.e. with TEST_SECRET.
        assert (await http.get(ME, headers=user.headers)).status_code == 200
        fresh, _ = rotated.state.runtime.tokens.issue(
            subject=str(user.id),
            token_use=ACCESS_USE,
            ttl_seconds=300,
            claims={"sid": str(user.session_id)},
        )
        assert (await http.get(ME, headers=bearer(fresh))).status_code == 200
    async with asgi_client(retired) as http:
        assert_unauthorized(await http.get(ME, headers=user.headers), "unknown key")
    # A token of the new key means nothing to an app that has never heard of it.
    assert_unauthorized(await client.get(ME, headers=bearer(fresh)), "unknown key")


@pytest.mark.parametrize("kid", [["a", "b"], {"k": "v"}, 7, None])
async def test_a_kid_that_is_not_a_string_is_401_not_500(client, runtime, user, kid):
    token = encode_jwt(
        {"alg": "HS256", "typ": "JWT", "kid": kid},
        claims_for(runtime, user),
        hs256(hmac_key(runtime.tokens)),
    )
    assert_unauthorized(await client.get(ME, headers=bearer(token)))
    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": token})
    assert_unauthorized(response)
