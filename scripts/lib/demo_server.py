"""A throwaway `tandem serve --demo` for the contract tools (`scripts/fuzz`, `scripts/clients`).

SQLite in a temporary directory by default; with a PostgreSQL URL, that database is dropped and
created again first (never point it at data you want to keep). Rate limits are off and access
tokens live for hours, so a long fuzzing run is not cut short by the server's own protections.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.demo.seed import DEMO_USERS  # noqa: E402

# The principals every tool runs as: the four roles and the demo integration's API key.
ROLES = ("admin", "recruiter", "hiring_manager", "interviewer", "api_client")


@dataclass
class DemoServer:
    base_url: str
    api_key: str
    process: subprocess.Popen[bytes]
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, principal: str) -> dict[str, str]:
        """The Authorization header for one of ROLES."""
        if principal == "api_client":
            return {"Authorization": f"Bearer {self.api_key}"}
        if principal not in self.tokens:
            self.tokens[principal] = sign_in(self.base_url, principal)
        return {"Authorization": f"Bearer {self.tokens[principal]}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sign_in(base_url: str, role: str) -> str:
    """An access token for the demo user of `role` (OAuth2 password flow)."""
    email, password = next((e, p) for e, _, r, p in DEMO_USERS if r.value == role)
    response = httpx.post(
        f"{base_url}/api/v1/auth/token",
        data={"username": email, "password": password},
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


async def _recreate_postgres(url: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url.replace("+asyncpg", ""))
    name = parsed.database
    if not name:
        raise SystemExit("the PostgreSQL URL must name a database")
    server = parsed.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(server.render_as_string(hide_password=False), timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def _environment(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update(
        TANDEM_DATA_DIR=str(data_dir),
        TANDEM_LOG_LEVEL="WARNING",
        TANDEM_ACCESS_LOG="false",
        TANDEM_RATE_LIMIT_PER_MINUTE="0",
        TANDEM_ACCESS_TOKEN_MINUTES="600",
        TANDEM_LOGIN_MAX_FAILURES_PER_ACCOUNT="1000000",
        TANDEM_LOGIN_MAX_FAILURES_PER_ADDRESS="1000000",
    )
    if database_url:
        env["TANDEM_DATABASE_URL"] = database_url
    return env


def _wait_ready(base_url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"tandem serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/readyz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"tandem serve was not ready after {timeout:.0f} s")


@contextlib.contextmanager
def demo_server(database_url: str | None = None, port: int | None = None) -> Iterator[DemoServer]:
    """Start a server with the demo organisation; stop it (SIGTERM) afterwards."""
    if database_url:
        asyncio.run(_recreate_postgres(database_url))
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="tandem-demo-") as tmp:
        data_dir = Path(tmp)
        log = data_dir / "serve.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--demo", "--port", str(port)],
                cwd=ROOT,
                env=_environment(data_dir, database_url),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base_url, process, timeout=300)
            found = re.search(r"api key\s+(tnd_\S+)", log.read_text())
            if not found:
                raise SystemExit("the demo server did not print its API key")
            yield DemoServer(base_url, found.group(1), process, log)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
