"""`tandem serve` and `tandem worker` as real processes: start, answer, stop on SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update(TANDEM_DATA_DIR=str(tmp_path), TANDEM_LOG_FORMAT="json")
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_migrates_serves_and_stops_on_sigterm(tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--demo"],
        cwd=ROOT,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90  # starting includes migrating and the demo data
        body = b""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                    body = r.read()
                    break
            except OSError:
                time.sleep(0.2)
        assert b'"ready"' in body
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=20)
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status says why.
    assert server.returncode in (0, -signal.SIGTERM), err
    assert "Application shutdown complete" in err
    assert "worker stopped" in err  # the in-process job loop (SQLite) stopped with it
    assert "admin@tandem.example" in out  # the demo logins are printed
    assert (tmp_path / "tandem.db").exists()
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    # JSON log lines carry the request id of the request they belong to.
    assert '"request_id"' in err


def test_worker_stops_cleanly_on_sigterm(tmp_path):
    env = _env(tmp_path)
    subprocess.run([sys.executable, "-m", "app.cli", "migrate"], cwd=ROOT, env=env, check=True)
    worker = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    started = ""
    while time.monotonic() < deadline and "worker started" not in started:
        line = worker.stderr.readline() if worker.stderr else ""
        started += line
    assert "worker started" in started
    worker.send_signal(signal.SIGTERM)
    _, err = worker.communicate(timeout=20)
    assert worker.returncode == 0
    assert "worker stopped" in err
