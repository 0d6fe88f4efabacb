"""The test harness: settings, actors, API keys, a controlled clock and token helpers, used by
the fixtures in `tests/conftest.py` and by tests that build their own app or tokens."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from fastapi import FastAPI
from sqlalchemy import text

from app.core.config import Settings
from app.core.security import hash_password
from app.models import metadata
from app.models.identity import User
from app.platform.runtime import Runtime

TEST_PASSWORD = "correct-horse-battery-staple-42"


TEST_SECRET = "test-secret-key-that-is-long-enough-for-production-0123456789"


def make_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test app: explicit, never read from the environment or a .env file."""
    values: dict[str, Any] = {
        "env": "development",
        "data_dir": data_dir,
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "run_worker_in_process": False,
        "rate_limit_per_minute": 0,
        "access_log": False,
        "db_pool_size": 5,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass
class Backend:
    name: str
    url: str
    data_dir: Path


async def start_app(app: FastAPI) -> Callable[[], Awaitable[None]]:
    """Run the app's lifespan startup; returns the shutdown."""
    context = app.router.lifespan_context(app)
    await context.__aenter__()

    async def stop() -> None:
        await context.__aexit__(None, None, None)

    return stop


# The market data the migrations load (the shipped BLS table) stays: every test database has
# it, as every real one does. Datasets a test imported go, and the shipped one is the default
# again.
MARKET_TABLES = ("market_benchmarks", "market_datasets")
_RESET_MARKET_DATA = (
    "DELETE FROM market_benchmarks WHERE dataset_id IN"
    " (SELECT id FROM market_datasets WHERE NOT builtin)",
    "DELETE FROM market_datasets WHERE NOT builtin",
    "UPDATE market_datasets SET is_default = builtin WHERE is_default <> builtin",
)


async def empty_all_tables(runtime: Runtime) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables) if t.name not in MARKET_TABLES]
    triggers: list[Any] = []
    if runtime.db.is_sqlite:
        # Read the triggers in a transaction of their own: a SQLite transaction that reads
        # before it writes cannot wait for another writer (it fails at once as "locked"),
        # while one whose first statement writes waits for its turn.
        async with runtime.db.engine.connect() as conn:
            triggers = list(
                (
                    await conn.execute(
                        text(
                            "SELECT name, sql FROM sqlite_master"
                            " WHERE type = 'trigger' AND tbl_name = 'audit_events'"
                        )
                    )
                ).all()
            )
    async with runtime.db.engine.begin() as conn:
        if runtime.db.is_sqlite:
            # The audit log refuses DELETE (triggers); tests lift that for the reset only.
            for name, _sql in triggers:
                await conn.execute(text(f'DROP TRIGGER "{name}"'))
            for table in tables:
                await conn.execute(text(f'DELETE FROM "{table}"'))
            for _name, sql in triggers:
                await conn.execute(text(sql))
        else:
            await conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        for statement in _RESET_MARKET_DATA:
            await conn.execute(text(statement))


_PASSWORD_HASH: list[str] = []


def password_hash_for_tests() -> str:
    """One real Argon2id hash of TEST_PASSWORD, computed once (hashing is slow on purpose)."""
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(hash_password(TEST_PASSWORD))
    return _PASSWORD_HASH[0]


@dataclass
class Actor:
    """A user in the test database with a signed-in session."""

    user: User
    token: str
    session_id: uuid.UUID

    @property
    def id(self) -> uuid.UUID:
        return self.user.id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


MakeUser = Callable[..., Awaitable[Actor]]


AppFactory = Callable[..., Awaitable[FastAPI]]


@contextlib.asynccontextmanager
async def asgi_client(application: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for an extra app instance (the `client` fixture serves the main app)."""
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@dataclass
class ApiKey:
    id: uuid.UUID
    key: str

    def headers(self, on_behalf_of: uuid.UUID | str | None = None) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.key}"}
        if on_behalf_of is not None:
            out["On-Behalf-Of"] = str(on_behalf_of)
        return out


MakeApiKey = Callable[..., Awaitable[ApiKey]]


class ManualClock:
    """A clock for app.core.clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def encode_jwt(
    header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes] | None
) -> str:
    """`header.payload.signature`, signed by `sign` (None: an empty signature)."""
    signing_input = f"{b64url(orjson.dumps(header))}.{b64url(orjson.dumps(claims))}".encode()
    signature = sign(signing_input) if sign is not None else b""
    return f"{signing_input.decode()}.{b64url(signature)}"


def hs256(key: bytes) -> Callable[[bytes], bytes]:
    return lambda data: hmac.new(key, data, hashlib.sha256).digest()


def rs256(private_key: rsa.RSAPrivateKey) -> Callable[[bytes], bytes]:
    return lambda data: private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


MakeApp = Callable[..., Awaitable[FastAPI]]
