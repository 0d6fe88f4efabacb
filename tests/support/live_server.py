"""A real `tandem serve` process on a free port, for tests that need a browser, a shell or
another HTTP client in front of the whole stack."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_environment(data_dir: Path, **settings: str) -> dict[str, str]:
    """The machine's environment without any TANDEM_* setting, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update(TANDEM_DATA_DIR=str(data_dir), TANDEM_LOG_LEVEL="WARNING")
    env.update(settings)
    return env


def tandem(data_dir: Path, *args: str, stdin: str | None = None, **settings: str) -> str:
    """Run one `tandem` command to completion; its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=clean_environment(data_dir, **settings),
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout


@dataclass
class LiveServer:
    base_url: str
    port: int
    stdout_file: Path

    @property
    def output(self) -> str:
        return self.stdout_file.read_text()


def wait_ready(base_url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tandem serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/readyz", timeout=1) as response:  # noqa: S310 - http only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"tandem serve did not become ready in {timeout} s")


@contextlib.contextmanager
def live_server(
    data_dir: Path, *, demo: bool = False, timeout: float = 300, **settings: str
) -> Iterator[LiveServer]:
    """Start `tandem serve` (SQLite in `data_dir` unless settings say otherwise), wait until
    it is ready, and stop it with SIGTERM afterwards."""
    port = free_port()
    stdout_file = data_dir / f"serve-{port}.out"
    args = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    with stdout_file.open("wb") as out, (data_dir / f"serve-{port}.err").open("wb") as err:
        process = subprocess.Popen(
            [*args, *(["--demo"] if demo else [])],
            cwd=ROOT,
            env=clean_environment(data_dir, **settings),
            stdout=out,
            stderr=err,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base_url, process, timeout)
            yield LiveServer(base_url=base_url, port=port, stdout_file=stdout_file)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
