"""JSON Web Tokens. The only module that imports the JOSE library, so it can be swapped here.

Rules: the accepted algorithms are fixed per key in code and never read from the token;
`exp`, `iat`, `iss`, `aud`, `sub`, `jti` and `typ` are required; leeway is 30 seconds;
every token names its key with `kid`, and the current and previous keys are accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk, jwt
from jose.exceptions import JOSEError

LEEWAY_SECONDS = 30
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "ES256"})
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "jti", "typ")
_JWKS_REFRESH_SECONDS = 60


class TokenError(Exception):
    """The token is not acceptable; the message is safe to show."""


class KeySetUnavailable(Exception):
    """The external identity provider's keys cannot be loaded right now."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    algorithm: str
    sign_with: Any | None  # None for verify-only (previous) keys
    verify_with: Any


def _hmac_key(secret: str) -> SigningKey:
    derived = hmac.new(secret.encode(), b"tandem-jwt-signing-key", hashlib.sha256).digest()
    kid = hashlib.sha256(derived).hexdigest()[:16]
    return SigningKey(kid=kid, algorithm="HS256", sign_with=derived, verify_with=derived)


def _algorithm_for(public_key: Any) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RS256"
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp256r1":
        return "ES256"
    raise ValueError("only RSA and P-256 EC keys are supported for signing tokens")


def _public_pem_and_kid(public_key: Any) -> tuple[bytes, str]:
    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, hashlib.sha256(pem).hexdigest()[:16]


def _asymmetric_key(private_pem: bytes) -> SigningKey:
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    public_key = private_key.public_key()
    pem, kid = _public_pem_and_kid(public_key)
    return SigningKey(
        kid=kid, algorithm=_algorithm_for(public_key), sign_with=private_pem, verify_with=pem
    )


def _verify_only_key(public_pem: bytes) -> SigningKey:
    public_key = serialization.load_pem_public_key(public_pem)
    pem, kid = _public_pem_and_kid(public_key)
    return SigningKey(
        kid=kid, algorithm=_algorithm_for(public_key), sign_with=None, verify_with=pem
    )


class TokenService:
    """Issues and verifies Tandem's own tokens, with the current key and any previous ones."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        secret: str,
        previous_secrets: Iterable[str] = (),
        private_key_file: Path | None = None,
        previous_public_key_files: Iterable[Path] = (),
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        if private_key_file is not None:
            self.current = _asymmetric_key(private_key_file.read_bytes())
            previous = [_verify_only_key(p.read_bytes()) for p in previous_public_key_files]
        else:
            self.current = _hmac_key(secret)
            previous = [_hmac_key(s) for s in previous_secrets]
        self._keys = {k.kid: k for k in (*previous, self.current)}

    def issue(
        self, *, subject: str, token_use: str, ttl_seconds: int, claims: Mapping[str, Any] = {}
    ) -> tuple[str, dict[str, Any]]:
        """A signed token and its claims."""
        now = int(time.time())
        payload: dict[str, Any] = {
            **claims,
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": uuid.uuid4().hex,
            "typ": token_use,
        }
        token = jwt.encode(
            payload,
            self.current.sign_with,
            algorithm=self.current.algorithm,
            headers={"kid": self.current.kid, "typ": "JWT"},
        )
        return token, payload

    def verify(self, token: str, *, token_use: str) -> dict[str, Any]:
        """The claims of a valid token of the expected use; raises TokenError otherwise."""
        key = self._keys.get(_header(token).get("kid", ""))
        if key is None:
            raise TokenError("token signed with an unknown key")
        claims = _decode(token, key.verify_with, key.algorithm, self.audience, self.issuer)
        if claims.get("typ") != token_use:
            raise TokenError(f"a {claims.get('typ')!s} token cannot be used here")
        return claims


class ExternalIdentityProvider:
    """Verifies tokens from a configured OpenID Connect provider against its JWKS (file or URL)."""

    def __init__(self, *, issuer: str, audience: str, jwks: str, email_claim: str) -> None:
        self.issuer = issuer
        self.audience = audience
        self.source = jwks
        self.email_claim = email_claim
        self._keys: dict[str, tuple[str, Any]] = {}
        self._fetched_at = 0.0

    def accepts(self, token: str) -> bool:
        """True when the token claims to come from this provider (it is then verified strictly)."""
        try:
            return bool(jwt.get_unverified_claims(token).get("iss") == self.issuer)
        except JOSEError:
            return False

    async def verify(self, token: str) -> str:
        """The e-mail address asserted by a valid provider token."""
        kid = _header(token).get("kid", "")
        if kid not in self._keys or not self._keys:
            await self._load_keys()
        entry = self._keys.get(kid)
        if entry is None:
            raise TokenError("token signed with an unknown key")
        algorithm, key = entry
        claims = _decode(token, key, algorithm, self.audience, self.issuer, require_typ=False)
        email = claims.get(self.email_claim)
        if not isinstance(email, str) or "@" not in email:
            raise TokenError("token has no usable e-mail claim")
        if claims.get("email_verified") is False:
            # The provider says it has not checked that the caller owns this address.
            raise TokenError("the provider has not verified this e-mail address")
        return email

    async def _load_keys(self) -> None:
        if time.monotonic() - self._fetched_at < _JWKS_REFRESH_SECONDS and self._keys:
            return
        try:
            if self.source.startswith(("https://", "http://")):
                async with httpx.AsyncClient(timeout=5) as client:
                    response = await client.get(self.source)
                    response.raise_for_status()
                    document = response.json()
            else:
                document = orjson.loads(await anyio.Path(self.source).read_bytes())
            keys: dict[str, tuple[str, Any]] = {}
            for entry in document.get("keys", []):
                kty = entry.get("kty")
                algorithm = entry.get("alg") or {"RSA": "RS256", "EC": "ES256"}.get(kty)
                if algorithm not in ASYMMETRIC_ALGORITHMS or not isinstance(entry.get("kid"), str):
                    continue
                keys[entry["kid"]] = (algorithm, jwk.construct(entry, algorithm))
        except (httpx.HTTPError, OSError, ValueError, AttributeError, JOSEError) as exc:
            self._fetched_at = time.monotonic()  # do not hammer a provider that is down
            if self._keys:
                return  # keep verifying with the keys we have
            raise KeySetUnavailable(f"{type(exc).__name__}") from exc
        self._keys = keys
        self._fetched_at = time.monotonic()


def _header(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except JOSEError:
        raise TokenError("malformed token") from None
    if not isinstance(header, dict) or not isinstance(header.get("kid", ""), str):
        raise TokenError("malformed token")
    return header


def _decode(
    token: str, key: Any, algorithm: str, audience: str, issuer: str, *, require_typ: bool = True
) -> dict[str, Any]:
    options = {
        "require_exp": True,
        "require_iat": True,
        "require_aud": True,
        "require_iss": True,
        "require_sub": True,
        "require_jti": require_typ,
        "leeway": LEEWAY_SECONDS,
    }
    try:
        claims = jwt.decode(
            token, key, algorithms=[algorithm], audience=audience, issuer=issuer, options=options
        )
    except JOSEError as exc:
        raise TokenError(_reason(exc)) from None
    if require_typ and "typ" not in claims:
        raise TokenError("token has no typ claim")
    return dict(claims)


def _reason(exc: JOSEError) -> str:
    text = str(exc).lower()
    if "expired" in text:
        return "token expired"
    if "audience" in text:
        return "token has the wrong audience"
    if "issuer" in text:
        return "token has the wrong issuer"
    if "signature" in text or "algorithm" in text:
        return "token signature is not valid"
    if "missing" in text or "required" in text:
        return "token is missing a required claim"
    return "token is not valid"
