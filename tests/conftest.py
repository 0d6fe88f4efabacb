"""Test fixtures: real databases built by the real migrations, the real app over ASGI.

Every database test runs on SQLite and, when TANDEM_TEST_DATABASE_URL is set, on PostgreSQL.
Each backend is migrated once per session; after each test every table is emptied.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.core.clock import set_clock
from app.core.config import Settings, normalise_database_url
from app.core.migrations import upgrade_to_head
from app.core.security import hash_password, new_api_key
from app.main import create_app
from app.models import metadata
from app.models.identity import ApiClient, AuthSession, Role, User
from app.platform.runtime import Runtime
from app.services.identity.auth import ACCESS_USE
from tests.support_routes import router as support_router

PG_URL = os.environ.get("TANDEM_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
TEST_PASSWORD = "correct-horse-battery-staple-42"
TEST_SECRET = "test-secret-key-that-is-long-enough-for-production-0123456789"


def pytest_report_header(config: pytest.Config) -> str:
    if PG_URL:
        return "database backends: sqlite, postgresql"
    return "database backends: sqlite (set TANDEM_TEST_DATABASE_URL to add postgresql)"


def _worker_suffix() -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"_{worker}" if worker else ""


async def _fresh_postgres_database() -> str:
    """A clean, empty PostgreSQL database for this test session (created if missing)."""
    assert PG_URL
    url = make_url(normalise_database_url(PG_URL))
    name = (url.database or "tandem_test") + _worker_suffix()
    server = url.set(drivername="postgresql", database="postgres")
    try:
        conn = await asyncpg.connect(server.render_as_string(hide_password=False), timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise pytest.UsageError(
            f"TANDEM_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}"
        ) from exc
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return url.set(database=name).render_as_string(hide_password=False)


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


@pytest.fixture(scope="session", params=BACKENDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Backend:
    """A migrated, empty database of one kind."""
    data_dir = tmp_path_factory.mktemp(f"data-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{data_dir / 'test.db'}"
    else:
        url = await _fresh_postgres_database()
    runtime = Runtime.build(make_settings(url, data_dir))
    try:
        await upgrade_to_head(runtime.db.engine)
    finally:
        await runtime.db.dispose()
    return Backend(request.param, normalise_database_url(url), data_dir)


async def start_app(app: FastAPI) -> Callable[[], Awaitable[None]]:
    """Run the app's lifespan startup; returns the shutdown."""
    context = app.router.lifespan_context(app)
    await context.__aenter__()

    async def stop() -> None:
        await context.__aexit__(None, None, None)

    return stop


@pytest.fixture(scope="session")
async def app(backend: Backend) -> AsyncIterator[FastAPI]:
    application = create_app(make_settings(backend.url, backend.data_dir), background=False)
    application.include_router(support_router)
    stop = await start_app(application)
    yield application
    await stop()


@pytest.fixture
def runtime(app: FastAPI) -> Runtime:
    runtime: Runtime = app.state.runtime
    return runtime


async def empty_all_tables(runtime: Runtime) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    async with runtime.db.engine.begin() as conn:
        if runtime.db.is_sqlite:
            for table in tables:
                await conn.execute(text(f'DELETE FROM "{table}"'))
        else:
            await conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))


@pytest.fixture(autouse=True)
async def _clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "app" in request.fixturenames:
        runtime: Runtime = request.getfixturevalue("app").state.runtime
        runtime.principals.clear()
        await empty_all_tables(runtime)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


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


@pytest.fixture
def make_user(runtime: Runtime) -> MakeUser:
    """Insert a user (password TEST_PASSWORD) and open a session for them."""

    async def make(
        role: Role | str = Role.RECRUITER,
        *,
        email: str | None = None,
        full_name: str | None = None,
        active: bool = True,
    ) -> Actor:
        role = Role(role)
        email = email or f"{role.value}-{uuid.uuid4().hex[:8]}@example.com"
        user = User(
            email=email,
            full_name=full_name or f"Test {role.value.replace('_', ' ').title()}",
            role=role,
            password_hash=password_hash_for_tests(),
            is_active=active,
        )
        auth = AuthSession(user_id=user.id)
        async with runtime.db.unit_of_work(write=True) as session:
            session.add(user)
            await session.flush()
            session.add(auth)
        token, _ = runtime.tokens.issue(
            subject=str(user.id),
            token_use=ACCESS_USE,
            ttl_seconds=900,
            claims={"sid": str(auth.id)},
        )
        return Actor(user=user, token=token, session_id=auth.id)

    return make


@pytest.fixture
async def admin(make_user: MakeUser) -> Actor:
    return await make_user(Role.ADMIN, email="admin@example.com")


@pytest.fixture
async def actors(make_user: MakeUser) -> dict[Role, Actor]:
    """One signed-in user per role."""
    return {role: await make_user(role) for role in Role}


# --- Identity and access: extra app instances, API keys, a manual clock -------------------


AppFactory = Callable[..., Awaitable[FastAPI]]


@pytest.fixture
async def make_auth_app(backend: Backend, app: FastAPI) -> AsyncIterator[AppFactory]:
    """Build (and afterwards stop) extra app instances on the same test database, with
    settings overrides: `await make_auth_app(rate_limit_per_minute=5)`. With
    `background=False` the lifespan is not run (no background rate-limit sync: the test syncs
    by hand); only the database is connected. (It uses `app` so that the tables are emptied
    after the test.)"""
    stops: list[Callable[[], Awaitable[None]]] = []

    async def make(*, background: bool = True, **overrides: Any) -> FastAPI:
        application = create_app(
            make_settings(backend.url, backend.data_dir, **overrides), background=False
        )
        if background:
            stops.append(await start_app(application))
        else:
            runtime: Runtime = application.state.runtime
            await runtime.db.connect()
            stops.append(runtime.db.dispose)
        return application

    yield make
    for stop in reversed(stops):
        await stop()


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


@pytest.fixture
def make_api_key(runtime: Runtime) -> MakeApiKey:
    """Insert an API client with the given scopes straight into the database."""

    async def make(*scopes: str, name: str = "Test integration") -> ApiKey:
        key, prefix, key_hash = new_api_key()
        client = ApiClient(name=name, key_prefix=prefix, key_hash=key_hash, scopes=list(scopes))
        async with runtime.db.unit_of_work(write=True) as session:
            session.add(client)
        return ApiKey(id=client.id, key=key)

    return make


class ManualClock:
    """A clock for app.core.clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def manual_clock() -> Iterator[ManualClock]:
    """Freeze app.core.clock a few seconds after the start of the current hour (so every
    rate-limit window starts with the test), and restore the system clock afterwards."""
    now = datetime.now(UTC)
    clock = ManualClock(now.replace(minute=0, second=5, microsecond=0))
    set_clock(clock)
    try:
        yield clock
    finally:
        set_clock(None)


# --- Identity and access: hand-made JWTs (no JOSE library, so the app's one is really tested)


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


@pytest.fixture
async def make_app(backend: Backend, app: FastAPI) -> AsyncIterator[MakeApp]:
    """Extra app instances (with the support routes) on the test database, with settings
    overridden (`await make_app(max_body_bytes=2048)`); their lifespans end after the test.
    (It uses `app` so that the tables are emptied after the test.)"""
    stops: list[Callable[[], Awaitable[None]]] = []

    async def make(**overrides: Any) -> FastAPI:
        settings = make_settings(backend.url, backend.data_dir, **overrides)
        application = create_app(settings, background=False)
        application.include_router(support_router)
        stops.append(await start_app(application))
        return application

    yield make
    for stop in reversed(stops):
        await stop()
