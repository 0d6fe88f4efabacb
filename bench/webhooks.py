"""Webhook fan-out benchmark: events committed on PostgreSQL, delivered by `tandem worker`
processes to 3 subscriptions on a local receiver.

    .venv/bin/python -m bench.webhooks [--events 10000] [--workers 2] [--paced-seconds 10]

Phase 1 ("paced", not backlogged) commits 20 events a second and measures commit-to-delivery
latency; phase 2 commits `--events` at once and measures deliveries per second. Needs
PostgreSQL (BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/tandem_bench_hooks;
the database is dropped and recreated). The receiver listens on a free port of 18450-18499.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.core.db import Database
from app.models.webhooks import WebhookSubscription
from app.platform.events import record_event
from app.services.events import signing

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-" + uuid.uuid4().hex + uuid.uuid4().hex
PORTS = range(18450, 18500)  # the receiver takes the first free one
SUBSCRIPTIONS = 3


class Receiver(asyncio.Protocol):
    """A minimal HTTP/1.1 server: answers 200 and notes when each delivery arrived."""

    arrivals: dict[tuple[str, str], float] = {}

    def connection_made(self, transport: Any) -> None:
        self.transport, self.buffer = transport, b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, _, rest = self.buffer.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
            length = int(headers.get("content-length", "0"))
            if len(rest) < length:
                return
            self.buffer = rest[length:]
            path = lines[0].split(" ")[1]
            self.arrivals.setdefault((path, headers.get("webhook-id", "")), time.time())
            self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")


async def _fresh_database(url: str) -> None:
    parsed = make_url(url)
    server = parsed.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(server.render_as_string(hide_password=False))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()


async def _commit(db: Database, count: int, commits: dict[str, float]) -> None:
    async with db.unit_of_work(write=True) as session:
        events = [
            record_event(session, "organisation.updated", ("organisation", "bench"), {})
            for _ in range(count)
        ]
    now = time.time()
    for event in events:
        commits[str(event.id)] = now


async def _wait(expected: int, within: float) -> None:
    deadline = time.monotonic() + within
    while len(Receiver.arrivals) < expected and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)


async def _receiver() -> tuple[asyncio.Server, int]:
    for port in PORTS:
        try:
            server = await asyncio.get_running_loop().create_server(Receiver, "127.0.0.1", port)
        except OSError:
            continue
        return server, port
    raise OSError("no free port for the receiver")


async def main(args: argparse.Namespace) -> dict[str, Any]:
    url = os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/tandem_bench_hooks"
    )
    await _fresh_database(url)
    env = {**os.environ, "TANDEM_DATABASE_URL": url, "TANDEM_SECRET_KEY": SECRET}
    env.update(
        TANDEM_WEBHOOK_ALLOWED_HOSTS='["127.0.0.1"]',
        TANDEM_WORKER_CONCURRENCY=str(args.concurrency),
        TANDEM_LOG_LEVEL="WARNING",
    )
    migrate = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "migrate", cwd=ROOT, env=env
    )
    assert await migrate.wait() == 0  # noqa: S101 - a benchmark script
    settings = Settings(_env_file=None, database_url=url, secret_key=SECRET)
    db = Database(settings)
    server, port = await _receiver()
    async with db.unit_of_work(write=True) as session:
        for n in range(SUBSCRIPTIONS):
            session.add(
                WebhookSubscription(
                    url=f"http://127.0.0.1:{port}/hooks/{n}",
                    event_types=["organisation.*"],
                    secret_encrypted=signing.encrypt(signing.new_secret(), SECRET),
                )
            )
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.cli", "worker", cwd=ROOT, env=env
        )
        for _ in range(args.workers)
    ]
    commits: dict[str, float] = {}
    try:
        await asyncio.sleep(3)  # workers start and LISTEN
        for _ in range(args.paced_seconds * 20):
            await _commit(db, 1, commits)
            await asyncio.sleep(0.05)
        await _wait(len(commits) * SUBSCRIPTIONS, 60)
        latencies = sorted(
            Receiver.arrivals[key] - commits[key[1]]
            for key in Receiver.arrivals
            if key[1] in commits
        )
        Receiver.arrivals.clear()
        started = time.time()
        for _ in range(args.events // 500):
            await _commit(db, 500, commits)
        await _wait(args.events * SUBSCRIPTIONS, 1800)
        finished = max(Receiver.arrivals.values())
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            await worker.wait()
        server.close()
        await db.dispose()
    delivered = len(Receiver.arrivals)
    return {
        "paced_deliveries": len(latencies),
        "latency_p50_ms": round(statistics.median(latencies) * 1000),
        "latency_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000),
        "burst_events": args.events,
        "burst_deliveries": delivered,
        "deliveries_per_second": round(delivered / (finished - started), 1),
        "workers": args.workers,
        "concurrency": args.concurrency,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--paced-seconds", type=int, default=10)
    print(json.dumps(asyncio.run(main(parser.parse_args())), indent=2))
