"""The `tandem` command: serve, worker, migrate, create-user, create-api-key, seed-demo, openapi."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from app.core.config import ConfigurationError, Settings
from app.core.logging import configure_logging


def _settings() -> Settings:
    # Whatever a command writes (the SQLite database and its WAL, uploads, the generated
    # secret) is for this service alone: owner-only files and directories.
    os.umask(0o077)
    try:
        return Settings()
    except (ConfigurationError, ValidationError) as exc:
        raise SystemExit(f"tandem: configuration error: {exc}") from None


async def _migrate(settings: Settings) -> None:
    from app.core.db import Database
    from app.core.migrations import upgrade_to_head

    db = Database(settings)
    try:
        await upgrade_to_head(db.engine)
    finally:
        await db.dispose()


def cmd_migrate(_args: argparse.Namespace) -> int:
    settings = _settings()
    asyncio.run(_migrate(settings))
    print("database migrated to head")
    return 0


async def _seed(settings: Settings, *, only_if_empty: bool) -> None:
    from app.core.db import Database
    from app.demo.seed import database_is_empty, present_logins, seed_demo

    db = Database(settings)
    secret = settings.resolved_secret_key
    try:
        async with db.unit_of_work(write=True) as session:
            if only_if_empty and not await database_is_empty(session):
                # A restart: show the logins again if this is the demo database.
                logins = await present_logins(session, secret)
                if logins is None:
                    print("the database holds other data: demo data not loaded")
                    return
            else:
                logins = await seed_demo(session, secret)
    finally:
        await db.dispose()
    print("demo data " + ("loaded" if logins.created else "already present"))
    print("demo logins (development only):")
    for role, email, password in logins.users:
        print(f"  {role:<15} {email:<28} {password}")
    print(f"  api key         {logins.api_key}")


def cmd_seed_demo(_args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.is_production:
        print("tandem: refusing to load demo data in production mode", file=sys.stderr)
        return 2
    asyncio.run(_seed(settings, only_if_empty=False))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings()
    configure_logging(level=settings.log_level, json_format=settings.json_logs)
    if not args.no_migrate:
        asyncio.run(_migrate(settings))
    if args.demo and not settings.is_production:
        asyncio.run(_seed(settings, only_if_empty=True))
    print(f"Tandem on http://{args.host}:{args.port}  (docs: http://{args.host}:{args.port}/docs)")
    uvicorn.run(
        "app.main:serve_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        # A cap on the request line and headers (431 beyond): see app/core/server.py.
        http="app.core.server:LimitedHttpToolsProtocol",
        h11_max_incomplete_event_size=settings.max_request_head_bytes,
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from app.main import tune_garbage_collector
    from app.platform.runtime import Runtime
    from app.worker import Worker

    settings = _settings()
    configure_logging(level=settings.log_level, json_format=settings.json_logs)
    tune_garbage_collector()

    async def run() -> None:
        runtime = Runtime.build(settings)
        await runtime.db.connect()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            await Worker(runtime, heartbeat_file=args.heartbeat_file).run(stop)
        finally:
            await runtime.db.dispose()

    asyncio.run(run())
    return 0


def cmd_worker_probe(args: argparse.Namespace) -> int:
    from app.platform.heartbeats import file_is_fresh

    if file_is_fresh(args.heartbeat_file, args.max_age):
        return 0
    print(
        f"tandem: no worker heartbeat in {args.heartbeat_file} for {args.max_age} s",
        file=sys.stderr,
    )
    return 1


def cmd_create_user(args: argparse.Namespace) -> int:
    from app.core.db import Database
    from app.core.errors import DomainError
    from app.core.roles import Role
    from app.schemas.users import UserCreate
    from app.services.identity.users import create_user

    settings = _settings()
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    try:
        data = UserCreate(
            email=args.email,
            full_name=args.name or args.email.split("@", 1)[0],
            role=Role(args.role),
            time_zone=args.time_zone,
            password=password,
        )
    except ValidationError as exc:
        print(f"tandem: {exc}", file=sys.stderr)
        return 2

    async def run() -> str:
        db = Database(settings)
        try:
            async with db.unit_of_work(write=True) as session:
                user = await create_user(session, data)
                return str(user.id)
        finally:
            await db.dispose()

    try:
        print(asyncio.run(run()))
    except DomainError as exc:
        details = "; ".join(f"{e.location}: {e.message}" for e in exc.errors)
        print(f"tandem: {exc.detail} {details}".strip(), file=sys.stderr)
        return 1
    return 0


def cmd_create_api_key(args: argparse.Namespace) -> int:
    from app.core.db import Database
    from app.core.principal import Principal
    from app.schemas.api_clients import ApiClientCreate
    from app.services.identity.api_clients import create_api_client

    settings = _settings()
    try:
        data = ApiClientCreate(name=args.name, scopes=[s for s in args.scopes.split(",") if s])
    except ValidationError as exc:
        print(f"tandem: {exc}", file=sys.stderr)
        return 2

    async def run() -> str:
        db = Database(settings)
        try:
            async with db.unit_of_work(write=True) as session:
                _, key = await create_api_client(session, Principal(None, None), data)
                return key
        finally:
            await db.dispose()

    print(asyncio.run(run()))
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    from app.main import create_app

    spec = json.dumps(create_app(_settings(), background=False).openapi(), indent=2)
    if args.output:
        with open(args.output, "w") as handle:
            handle.write(spec + "\n")
    else:
        print(spec)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tandem", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate if needed, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="server processes")
    serve.add_argument("--demo", action="store_true", help="load demo data into an empty database")
    serve.add_argument("--no-migrate", action="store_true", help="do not run migrations first")
    serve.set_defaults(func=cmd_serve)

    worker = commands.add_parser("worker", help="run background jobs until SIGTERM")
    worker.add_argument(
        "--heartbeat-file",
        type=Path,
        help="touch this file at every heartbeat (for `tandem worker-probe`)",
    )
    worker.set_defaults(func=cmd_worker)

    probe = commands.add_parser(
        "worker-probe", help="exit 0 if the worker's heartbeat file is fresh (a health check)"
    )
    probe.add_argument("--heartbeat-file", type=Path, required=True)
    probe.add_argument(
        "--max-age", type=float, default=60.0, help="seconds since the last beat (default 60)"
    )
    probe.set_defaults(func=cmd_worker_probe)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(func=cmd_migrate)

    user = commands.add_parser("create-user", help="create a user and print its id")
    user.add_argument("email")
    user.add_argument(
        "--role", required=True, choices=["admin", "recruiter", "hiring_manager", "interviewer"]
    )
    user.add_argument("--name", help="full name (default: the e-mail's name part)")
    user.add_argument("--time-zone", default="UTC")
    user.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    user.set_defaults(func=cmd_create_user)

    key = commands.add_parser("create-api-key", help="create an API client and print its key once")
    key.add_argument("name")
    key.add_argument(
        "--scopes", required=True, help="comma-separated, e.g. candidates:write,events:read"
    )
    key.set_defaults(func=cmd_create_api_key)

    seed = commands.add_parser("seed-demo", help="load demo users and an API key (idempotent)")
    seed.set_defaults(func=cmd_seed_demo)

    spec = commands.add_parser("openapi", help="write the OpenAPI spec")
    spec.add_argument("--output", "-o", help="file to write (default: stdout)")
    spec.set_defaults(func=cmd_openapi)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tandem` console script."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
