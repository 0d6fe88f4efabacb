"""Side-by-side benchmark: Tandem (production settings, PostgreSQL) against a raw ASGI app
running the same SQL through asyncpg, under the same load, on the same machine, in one run.

    .venv/bin/python -m bench.run [--duration 15] [--connections 32] [--rounds 2] [--only get]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/tandem_bench;
the database is dropped and recreated) and `wrk` (Debian package `wrk`); without wrk a
built-in asyncio load generator is used (slower: it competes with the servers for CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from app.core.security import hash_password

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SECRET = "bench-secret-" + uuid.uuid4().hex + uuid.uuid4().hex
SERVICE_PORT = 8801
RAW_PORT = 8802
USERS = 60_000  # enough for page 1,000 of 50
DEEP_PAGE = 1000


@dataclass
class Result:
    target: str
    scenario: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    peak_rss_mb: float


def _env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TANDEM_ENV="production",
        TANDEM_PUBLIC_BASE_URL="http://127.0.0.1",
        TANDEM_DATABASE_URL=database_url,
        TANDEM_SECRET_KEY=SECRET,
        TANDEM_RATE_LIMIT_PER_MINUTE="100000000",
        TANDEM_DATA_DIR=tempfile.mkdtemp(prefix="tandem-bench-"),
        TANDEM_DB_POOL_SIZE="10",
        TANDEM_LOG_LEVEL="WARNING",
    )
    return env


async def _prepare_database(url: str) -> None:
    parsed = make_url(url)
    server = parsed.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(server.render_as_string(hide_password=False))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()


async def _seed(dsn: str) -> tuple[str, str]:
    """Insert users and one signed-in admin session; returns (admin id, session id)."""
    from uuid_utils.compat import uuid7

    conn = await asyncpg.connect(dsn)
    now = datetime.now(UTC)
    admin_id = uuid7()
    password_hash = hash_password("bench-password-not-used-0")
    rows = [
        (
            admin_id,
            now,
            now,
            1,
            "admin@bench.example",
            "Bench Admin",
            "admin",
            "UTC",
            True,
            password_hash,
        )
    ]
    for i in range(USERS - 1):
        role = ("recruiter", "hiring_manager", "interviewer")[i % 3]
        rows.append(
            (
                uuid7(),
                now,
                now,
                1,
                f"user{i}@bench.example",
                f"Bench User {i}",
                role,
                "UTC",
                True,
                password_hash,
            )
        )
    await conn.copy_records_to_table(
        "users",
        records=rows,
        columns=[
            "id",
            "created_at",
            "updated_at",
            "version",
            "email",
            "full_name",
            "role",
            "time_zone",
            "is_active",
            "password_hash",
        ],
    )
    session_id = uuid7()
    await conn.execute(
        "INSERT INTO auth_sessions (id, user_id, created_at) VALUES ($1, $2, $3)",
        session_id,
        admin_id,
        now,
    )
    await conn.close()
    return str(admin_id), str(session_id)


async def _deep_cursor(dsn: str) -> str:
    """The cursor a client holds after paging to page DEEP_PAGE of `GET /api/v1/users`."""
    from app.core.pagination import CursorCodec

    conn = await asyncpg.connect(dsn)
    last_id = await conn.fetchval(
        "SELECT id FROM users ORDER BY id OFFSET $1 LIMIT 1", (DEEP_PAGE - 1) * 50 - 1
    )
    await conn.close()
    return CursorCodec(SECRET).encode("users|id|", [last_id])


def _token(admin_id: str, session_id: str) -> str:
    from app.core.tokens import TokenService

    tokens = TokenService(issuer="tandem", audience="tandem-api", secret=SECRET)
    token, _ = tokens.issue(
        subject=admin_id, token_use="access", ttl_seconds=6 * 3600, claims={"sid": session_id}
    )
    return token


def _create_intake(token: str, admin_id: str) -> str:
    """One realistic intake, created through the API (the admin recruits and manages)."""
    import httpx

    base = f"http://127.0.0.1:{SERVICE_PORT}/api/v1"
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers) as http:
        manager = http.get("/users", params={"role": "hiring_manager", "limit": 1}).json()
        body = {
            "title": "Senior Backend Engineer",
            "department": "Payments",
            "location": "Amsterdam",
            "level": "Senior",
            "headcount": 2,
            "salary_min": 80000,
            "salary_max": 100000,
            "currency": "EUR",
            "soc_code": "15-1252",
            "recruiter_id": admin_id,
            "hiring_manager_id": manager["data"][0]["id"],
            "must_haves": [{"item": "Production Python", "why": "Three Python services"}],
            "nice_to_haves": [{"item": "PostgreSQL tuning"}],
            "selling_points": ["Ownership", "Learning budget"],
            "shortlist_due_date": "2027-01-15",
            "target_fill_date": "2027-03-01",
        }
        response = http.post("/intakes", json=body)
        response.raise_for_status()
        return str(response.json()["id"])


async def _seed_pipeline(dsn: str, intake_id: str, admin_id: str, candidates: int = 1000) -> str:
    """Candidates with an application each to the bench intake; returns one candidate id."""
    from uuid_utils.compat import uuid7

    conn = await asyncpg.connect(dsn)
    manager_id = await conn.fetchval(
        "SELECT hiring_manager_id FROM intakes WHERE id = $1", uuid.UUID(intake_id)
    )
    now = datetime.now(UTC)
    people, applications = [], []
    for i in range(candidates):
        candidate_id = uuid7()
        people.append(
            (
                candidate_id,
                now,
                now,
                1,
                f"Bench Candidate {i}",
                f"bench candidate {i}",
                f"candidate{i}@bench.example",
                "[]",
                "+31201234567",
                "Amsterdam",
                "Engineer",
                "[]",
                "[]",
                "{}",
                "[]",
                "referral",
            )
        )
        applications.append(
            (
                uuid7(),
                now,
                now,
                1,
                candidate_id,
                uuid.UUID(intake_id),
                uuid.UUID(admin_id),
                manager_id,
                "applied",
                "active",
                now,
                now,
                "[]",
            )
        )
    await conn.copy_records_to_table(
        "candidates",
        records=people,
        columns=[
            "id",
            "created_at",
            "updated_at",
            "version",
            "full_name",
            "search_name",
            "email",
            "other_emails",
            "phone",
            "location",
            "current_title",
            "skills",
            "tags",
            "links",
            "external_ids",
            "source",
        ],
    )
    await conn.copy_records_to_table(
        "applications",
        records=applications,
        columns=[
            "id",
            "created_at",
            "updated_at",
            "version",
            "candidate_id",
            "intake_id",
            "recruiter_id",
            "hiring_manager_id",
            "stage",
            "status",
            "applied_at",
            "stage_changed_at",
            "external_ids",
        ],
    )
    await conn.close()
    return str(people[0][0])


def _wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - local URL
                return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _current_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _parse_wrk(output: str) -> tuple[float, float, float, int]:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]

    def latency(pct: str) -> float:
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if match is None:
            raise ValueError(f"cannot read wrk output:\n{output}")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*timeout (\d+)", output)
    failed = int(non2xx.group(1)) if non2xx else 0
    failed += int(errors.group(1)) if errors else 0
    return rps, latency("50"), latency("99"), failed


def _drive_wrk(
    url: str, token: str, duration: int, connections: int
) -> tuple[float, float, float, int]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return _parse_wrk(out)


async def _drive_python(
    url: str, token: str, duration: int, connections: int
) -> tuple[float, float, float, int]:
    """A minimal keep-alive HTTP/1.1 load generator (used only when wrk is missing)."""
    parsed = urllib.parse.urlparse(url)
    request = (
        f"GET {parsed.path}{'?' + parsed.query if parsed.query else ''} HTTP/1.1\r\n"
        f"Host: {parsed.hostname}\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    failures = 0
    stop_at = time.monotonic() + duration

    async def worker() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            status_line = await reader.readline()
            if not status_line:  # the server closed the connection: count it and reconnect
                failures += 1
                writer.close()
                reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
                continue
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not status_line.split()[1].startswith(b"2"):
                failures += 1
        writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    latencies.sort()
    return (
        len(latencies) / duration,
        latencies[len(latencies) // 2] * 1000,
        latencies[int(len(latencies) * 0.99)] * 1000,
        failures,
    )


def _drive(
    url: str, token: str, duration: int, connections: int
) -> tuple[float, float, float, int]:
    if shutil.which("wrk"):
        return _drive_wrk(url, token, duration, connections)
    return asyncio.run(_drive_python(url, token, duration, connections))


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    # The server's stderr goes to a file: a pipe nobody reads fills up and stalls the server.
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - lives as long as the process
        prefix="tandem-bench-", suffix=".log", delete=False
    )
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    process.log_path = log.name  # type: ignore[attr-defined]
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per target")
    parser.add_argument(
        "--memory-minutes",
        type=float,
        default=0,
        help="also hold the load on the service this long, sampling its RSS",
    )
    parser.add_argument(
        "--only", default="", help="run only the scenarios whose name contains this text"
    )
    args = parser.parse_args()

    database_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/tandem_bench"
    )
    asyncio.run(_prepare_database(database_url))
    env = _env(database_url)
    subprocess.run(
        [PYTHON, "-m", "app.cli", "migrate"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    admin_id, session_id = asyncio.run(_seed(dsn))
    token = _token(admin_id, session_id)
    deep_cursor = asyncio.run(_deep_cursor(dsn))

    service = _start(
        [PYTHON, "-m", "app.cli", "serve", "--no-migrate", "--port", str(SERVICE_PORT)], env
    )
    raw = _start(
        [
            PYTHON,
            "-m",
            "uvicorn",
            "bench.raw_app:app",
            "--port",
            str(RAW_PORT),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        {**env, "BENCH_RAW_DSN": dsn, "BENCH_SECRET": SECRET},
    )
    results: list[Result] = []
    try:
        _wait_ready(f"http://127.0.0.1:{SERVICE_PORT}/livez")
        _wait_ready(f"http://127.0.0.1:{RAW_PORT}/api/v1/users/{admin_id}")
        intake_id = _create_intake(token, admin_id)
        candidate_id = asyncio.run(_seed_pipeline(dsn, intake_id, admin_id))
        scenarios = {
            "get one candidate": f"/api/v1/candidates/{candidate_id}",
            "list 50 applications": "/api/v1/applications?limit=50",
            "get one user": f"/api/v1/users/{admin_id}",
            "get one intake": f"/api/v1/intakes/{intake_id}",
            "list 50 users": "/api/v1/users?limit=50",
            f"list page {DEEP_PAGE}": f"/api/v1/users?limit=50&cursor={deep_cursor}",
        }
        scenarios = {name: path for name, path in scenarios.items() if args.only in name}
        targets = {"tandem": (SERVICE_PORT, service), "raw asyncpg": (RAW_PORT, raw)}
        for scenario, path in scenarios.items():
            for port, _ in targets.values():  # warm-up
                _drive(f"http://127.0.0.1:{port}{path}", token, 3, args.connections)
            best: dict[str, Result] = {}
            for _ in range(args.rounds):
                for name, (port, process) in targets.items():
                    rps, p50, p99, failed = _drive(
                        f"http://127.0.0.1:{port}{path}", token, args.duration, args.connections
                    )
                    result = Result(
                        name, scenario, rps, p50, p99, failed, _peak_rss_mb(process.pid)
                    )
                    if name not in best or rps > best[name].requests_per_second:
                        best[name] = result
            results.extend(best.values())
        memory: dict[str, Any] = {}
        if args.memory_minutes > 0:
            memory = _memory_run(
                service.pid,
                f"http://127.0.0.1:{SERVICE_PORT}/api/v1/users?limit=50",
                token,
                args.memory_minutes,
                args.connections,
            )
    finally:
        _stop(service)
        _stop(raw)

    _report(results, memory, args)
    return 0


def _memory_run(pid: int, url: str, token: str, minutes: float, connections: int) -> dict[str, Any]:
    samples: list[tuple[float, float]] = []
    loader = subprocess.Popen(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{int(minutes * 60)}s",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        stdout=subprocess.DEVNULL,
    )
    started = time.monotonic()
    while loader.poll() is None:
        samples.append((time.monotonic() - started, _current_rss_mb(pid)))
        time.sleep(10)
    return {
        "minutes": minutes,
        "rss_first_mb": samples[0][1] if samples else None,
        "rss_after_1min_mb": next((r for t, r in samples if t >= 60), None),
        "rss_last_mb": samples[-1][1] if samples else None,
        "rss_max_mb": max((r for _, r in samples), default=None),
    }


def _report(results: list[Result], memory: dict[str, Any], args: argparse.Namespace) -> None:
    print(
        f"\nload: {'wrk' if shutil.which('wrk') else 'python'}; {args.connections} connections; "
        f"{args.duration}s x {args.rounds} rounds (best round); cores: {os.cpu_count()}\n"
    )
    print(
        f"{'scenario':<15} {'target':<12} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} "
        f"{'peak RSS MB':>12}"
    )
    for r in results:
        print(
            f"{r.scenario:<15} {r.target:<12} {r.requests_per_second:>9.0f} {r.p50_ms:>8.2f} "
            f"{r.p99_ms:>8.2f} {r.non_2xx:>8} {r.peak_rss_mb:>12.1f}"
        )
    print()
    for scenario in dict.fromkeys(r.scenario for r in results):
        pair = {r.target: r for r in results if r.scenario == scenario}
        ratio = pair["tandem"].requests_per_second / pair["raw asyncpg"].requests_per_second
        print(f"{scenario}: tandem / raw = {ratio:.1%}")
    pages = {
        r.scenario: r for r in results if r.target == "tandem" and r.scenario.startswith("list")
    }
    first, deep = pages.get("list 50 users"), pages.get(f"list page {DEEP_PAGE}")
    if first and deep:
        print(
            f"tandem page {DEEP_PAGE} / page 1 throughput = "
            f"{deep.requests_per_second / first.requests_per_second:.0%}"
        )
    if memory:
        print("\nmemory under sustained load:", json.dumps(memory))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"{stamp}.json").write_text(
        json.dumps({"results": [asdict(r) for r in results], "memory": memory}, indent=2)
    )


if __name__ == "__main__":
    raise SystemExit(main())
