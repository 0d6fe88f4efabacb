"""Passwords (Argon2id), API keys and opaque secrets. No secret is ever stored in clear."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache
from importlib import resources

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's minimum for Argon2id: m = 19 MiB, t = 2, p = 1.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256

API_KEY_PREFIX = "tnd_"
_API_KEY_ID_BYTES = 6
_API_KEY_SECRET_BYTES = 32

_hasher = PasswordHasher(
    time_cost=ARGON2_TIME_COST,
    memory_cost=ARGON2_MEMORY_KIB,
    parallelism=ARGON2_PARALLELISM,
    type=Type.ID,
)


def hash_password(password: str) -> str:
    """An Argon2id hash of `password` (CPU-heavy: call it off the event loop)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check `password`; with no hash it still spends the same time, so timing reveals nothing."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("app.data").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problems(password: str, *, email: str | None = None) -> list[str]:
    """Why `password` is not acceptable (empty when it is)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"must be at most {MAX_PASSWORD_LENGTH} characters")
    lowered = password.lower()
    if lowered in _common_passwords():
        problems.append("is one of the most common passwords")
    if len(set(password)) < 4:
        problems.append("uses too few different characters")
    if email and email.split("@", 1)[0].lower() in lowered and len(email.split("@", 1)[0]) >= 4:
        problems.append("must not contain your e-mail name")
    return problems


def sha256_hex(value: str) -> str:
    """Hex SHA-256: enough for high-entropy secrets (API keys, refresh tokens)."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_api_key() -> tuple[str, str, str]:
    """A new API key: (full key shown once, display prefix stored, SHA-256 hash stored)."""
    key_id = secrets.token_hex(_API_KEY_ID_BYTES)
    prefix = f"{API_KEY_PREFIX}{key_id}"
    key = f"{prefix}_{secrets.token_urlsafe(_API_KEY_SECRET_BYTES)}"
    return key, prefix, sha256_hex(key)


def derived_api_key(secret: str, label: str) -> tuple[str, str, str]:
    """A reproducible key derived from the instance secret (used only for demo data)."""
    digest = hmac.new(secret.encode(), f"tandem-derived-key:{label}".encode(), "sha256").digest()
    prefix = f"{API_KEY_PREFIX}{digest[:_API_KEY_ID_BYTES].hex()}"
    key = f"{prefix}_{digest[_API_KEY_ID_BYTES:].hex()}"
    return key, prefix, sha256_hex(key)


def api_key_prefix(key: str) -> str | None:
    """The display prefix of a well-formed key, or None if it is not one of ours."""
    size = len(API_KEY_PREFIX) + 2 * _API_KEY_ID_BYTES
    if not key.startswith(API_KEY_PREFIX) or len(key) < size + 20 or key[size] != "_":
        return None
    return key[:size]


def constant_time_equals(a: str, b: str) -> bool:
    """Compare two secrets without leaking where they differ."""
    return hmac.compare_digest(a.encode(), b.encode())
