"""Resilience checks from DESIGN §4, run against real servers (not part of the test suite).

    .venv/bin/python -m bench.resilience sqlite-writes [--seconds 20] [--clients 32]
    .venv/bin/python -m bench.resilience pg-restart [--seconds 30] [--clients 16]

sqlite-writes: Tandem on its embedded SQLite, many clients creating and updating users at
once; every answer must be 2xx (no "database is locked", no 5xx).

pg-restart: Tandem on PostgreSQL under a mixed read/write load while the PostgreSQL server
is restarted (pg_ctlcluster, so run it on a machine whose cluster you may restart); every
answer must be 2xx or a 503 with Retry-After, and service must resume by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

from bench.run import PYTHON, ROOT, _prepare_database, _start, _stop, _wait_ready

PORT = int(os.environ.get("BENCH_PORT", "8811"))
BASE = f"http://127.0.0.1:{PORT}"
ADMIN_EMAIL = "resilience-admin@bench.example"
ADMIN_PASSWORD = "resilience-check-password-7"  # a throwaway local account


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TANDEM_LOG_LEVEL="WARNING",
        TANDEM_RATE_LIMIT_PER_MINUTE="100000000",
        TANDEM_SECRET_KEY="resilience-" + uuid.uuid4().hex + uuid.uuid4().hex,
        **extra,
    )
    return env


def _create_admin(env: dict[str, str]) -> None:
    subprocess.run(
        [PYTHON, "-m", "app.cli", "migrate"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [
            PYTHON,
            "-m",
            "app.cli",
            "create-user",
            ADMIN_EMAIL,
            "--role",
            "admin",
            "--password-stdin",
        ],
        cwd=ROOT,
        env=env,
        input=ADMIN_PASSWORD.encode() + b"\n",
        check=True,
        stdout=subprocess.DEVNULL,
    )


async def _token(http: httpx.AsyncClient) -> str:
    response = await http.post(
        "/api/v1/auth/token", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


async def _writer(
    http: httpx.AsyncClient, headers: dict[str, str], until: float, seen: Counter[str]
) -> None:
    while time.monotonic() < until:
        email = f"w-{uuid.uuid4().hex[:12]}@bench.example"
        try:
            created = await http.post(
                "/api/v1/users",
                headers=headers,
                json={"email": email, "full_name": "Load Writer", "role": "interviewer"},
            )
            seen[f"POST {created.status_code}"] += 1
            if created.status_code != 201:
                await asyncio.sleep(0.05)
                continue
            etag = created.headers["etag"]
            updated = await http.patch(
                f"/api/v1/users/{created.json()['id']}",
                headers={**headers, "If-Match": etag},
                json={"full_name": "Load Writer Renamed"},
            )
            seen[f"PATCH {updated.status_code}"] += 1
        except httpx.HTTPError as exc:
            seen[f"transport {type(exc).__name__}"] += 1
            await asyncio.sleep(0.05)


async def _reader(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    until: float,
    seen: Counter[str],
    log: list[tuple[float, int]],
) -> None:
    while time.monotonic() < until:
        path = random.choice(["/api/v1/users?limit=50", "/api/v1/me"])
        try:
            response = await http.get(path, headers=headers)
            seen[f"GET {response.status_code}"] += 1
            log.append((time.monotonic(), response.status_code))
            if response.status_code == 503:
                seen["503 with Retry-After"] += "retry-after" in response.headers
                await asyncio.sleep(0.05)
        except httpx.HTTPError as exc:
            seen[f"transport {type(exc).__name__}"] += 1
            await asyncio.sleep(0.05)


def _report(seen: Counter[str]) -> bool:
    for key in sorted(seen):
        print(f"  {key:<28} {seen[key]}")
    bad = {
        k: v
        for k, v in seen.items()
        if (" 5" in k and " 503" not in k) or k.startswith("transport")
    }
    return not bad


async def sqlite_writes(seconds: int, clients: int) -> bool:
    data_dir = Path(tempfile.mkdtemp(prefix="tandem-sqlite-"))
    env = _env(TANDEM_DATA_DIR=str(data_dir))
    _create_admin(env)
    server = _start([PYTHON, "-m", "app.cli", "serve", "--no-migrate", "--port", str(PORT)], env)
    seen: Counter[str] = Counter()
    try:
        _wait_ready(f"{BASE}/livez")
        async with httpx.AsyncClient(base_url=BASE, timeout=30) as http:
            headers = {"Authorization": f"Bearer {await _token(http)}"}
            until = time.monotonic() + seconds
            await asyncio.gather(*(_writer(http, headers, until, seen) for _ in range(clients)))
    finally:
        _stop(server)
    print(f"SQLite, {clients} concurrent writers for {seconds} s:")
    ok = _report(seen) and seen["POST 503"] == 0 and seen["PATCH 503"] == 0
    writes = seen["POST 201"] + seen["PATCH 200"]
    print(f"  writes/s                     {writes / seconds:.0f}")
    print("  result: " + ("no lock errors, no 5xx" if ok else "FAILED"))
    return ok


def _cluster_version() -> str:
    return sorted(Path("/etc/postgresql").iterdir())[0].name


async def pg_restart(seconds: int, clients: int) -> bool:
    url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/tandem_bench")
    await _prepare_database(url)
    env = _env(
        TANDEM_ENV="production",
        TANDEM_DATABASE_URL=url,
        TANDEM_DATA_DIR=tempfile.mkdtemp(),
        TANDEM_PUBLIC_BASE_URL=BASE,
    )
    _create_admin(env)
    server = _start([PYTHON, "-m", "app.cli", "serve", "--no-migrate", "--port", str(PORT)], env)
    seen: Counter[str] = Counter()
    log: list[tuple[float, int]] = []
    cluster = "" if os.environ.get("BENCH_PG_RESTART") else _cluster_version()
    try:
        _wait_ready(f"{BASE}/livez")
        async with httpx.AsyncClient(base_url=BASE, timeout=30) as http:
            headers = {"Authorization": f"Bearer {await _token(http)}"}
            until = time.monotonic() + seconds

            async def restart() -> tuple[float, float]:
                await asyncio.sleep(seconds / 3)
                began = time.monotonic()
                # BENCH_PG_RESTART: a shell command restarting the server of BENCH_DATABASE_URL
                # (e.g. `pg_ctl -D <dir> restart` for a private cluster); default: the
                # machine's cluster.
                command = os.environ.get("BENCH_PG_RESTART")
                await asyncio.to_thread(
                    subprocess.run,
                    command
                    or ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
                    shell=bool(command),
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                return began, time.monotonic()

            tasks = [_reader(http, headers, until, seen, log) for _ in range(clients)]
            tasks += [_writer(http, headers, until, seen) for _ in range(max(1, clients // 4))]
            restart_task = asyncio.create_task(restart())
            await asyncio.gather(*tasks)
            began, back = await restart_task
    finally:
        _stop(server)
    first_ok_after = next((t for t, status in log if t > back and status == 200), None)
    print(f"PostgreSQL restarted under load ({clients} readers, {max(1, clients // 4)} writers):")
    print(f"  server log                   {getattr(server, 'log_path', '-')}")
    ok = _report(seen)
    print(f"  restart took                 {back - began:.1f} s")
    if first_ok_after is None:
        print("  service did not recover")
        return False
    print(f"  first 200 after restart      {first_ok_after - back:.2f} s")
    unavailable = [status for t, status in log if began <= t <= first_ok_after and status != 200]
    print(
        f"  non-200 reads in the outage  {len(unavailable)} (all 503: {set(unavailable) <= {503}})"
    )
    print("  result: " + ("only 2xx and 503, recovered by itself" if ok else "FAILED"))
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("check", choices=["sqlite-writes", "pg-restart"])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=32)
    args = parser.parse_args()
    check = sqlite_writes if args.check == "sqlite-writes" else pg_restart
    return 0 if asyncio.run(check(args.seconds, args.clients)) else 1


if __name__ == "__main__":
    sys.exit(main())
