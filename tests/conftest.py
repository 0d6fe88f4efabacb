"""Test fixtures: real databases built by the real migrations, the real app over ASGI.

Every database test runs on SQLite and, when TANDEM_TEST_DATABASE_URL is set, on PostgreSQL.
Each backend is migrated once per session; after each test every table is emptied.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from app.core.clock import set_clock
from app.core.config import normalise_database_url
from app.core.migrations import upgrade_to_head
from app.core.roles import Role
from app.core.security import new_api_key
from app.main import create_app
from app.models.identity import ApiClient, AuthSession, User
from app.platform.runtime import Runtime
from app.services.identity.auth import ACCESS_USE
from tests.support.harness import (
    Actor,
    ApiKey,
    AppFactory,
    Backend,
    MakeApiKey,
    MakeApp,
    MakeUser,
    ManualClock,
    empty_all_tables,
    make_settings,
    password_hash_for_tests,
    start_app,
)
from tests.support.routes import router as support_router
from tests.support.s3 import S3Server, s3_server

PG_URL = os.environ.get("TANDEM_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


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


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    """A real S3-compatible server (moto in server mode) on a local port, for this session."""
    with s3_server() as server:
        yield server
