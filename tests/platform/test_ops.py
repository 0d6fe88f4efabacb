"""Operations that scale out: /metrics behind a token, worker heartbeats in /readyz and in a
file a container health check probes."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.cli import main
from app.core.config import Settings
from app.platform.heartbeats import ALIVE_INTERVALS
from app.worker import Worker
from tests.support.harness import asgi_client

METRICS_TOKEN = "a-metrics-token-of-some-length"


async def test_metrics_need_the_token_when_one_is_set(make_app):
    application = await make_app(metrics_token=METRICS_TOKEN)
    async with asgi_client(application) as http:
        missing = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        basic = await http.get("/metrics", headers={"Authorization": f"Basic {METRICS_TOKEN}"})
        right = await http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    for refused in (missing, wrong, basic):
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert "tandem_http_requests" not in refused.text
    assert right.status_code == 200
    assert "tandem_http_requests_total" in right.text


async def test_metrics_are_off_in_production_without_a_token(make_app):
    application = await make_app(env="production", public_base_url="https://tandem.example.com")
    async with asgi_client(application) as http:
        response = await http.get("/metrics")
    assert response.status_code == 404
    assert "tandem_http_requests" not in response.text


async def test_metrics_are_open_in_development_without_a_token(client):
    response = await client.get("/metrics")
    assert response.status_code == 200


def test_the_metrics_token_is_long_or_unset(tmp_path: Path):
    with pytest.raises(ValidationError):
        Settings(_env_file=None, data_dir=tmp_path, metrics_token="short")
    assert Settings(_env_file=None, data_dir=tmp_path, metrics_token="").metrics_token is None


async def test_readyz_counts_workers_by_their_heartbeats(client, runtime, manual_clock, tmp_path):
    before = (await client.get("/readyz")).json()
    assert before["status"] == "ready"
    assert before["workers"] == {"alive": 0, "last_heartbeat_at": None}

    first, second = Worker(runtime), Worker(runtime, heartbeat_file=tmp_path / "beat")
    await first.beat()
    await second.beat()
    body = (await client.get("/readyz")).json()
    assert body["workers"]["alive"] == 2
    assert body["workers"]["last_heartbeat_at"].startswith(manual_clock.now.date().isoformat())

    # One worker goes silent for longer than the allowed intervals: one is left alive.
    manual_clock.advance(runtime.settings.worker_heartbeat_seconds * ALIVE_INTERVALS - 1)
    await second.beat()
    manual_clock.advance(2)
    body = (await client.get("/readyz")).json()
    assert body["status"] == "ready"  # reported, not required
    assert body["workers"]["alive"] == 1


async def test_a_running_worker_beats_and_says_goodbye(client, make_app, tmp_path):
    application = await make_app(worker_heartbeat_seconds=1)
    worker = Worker(application.state.runtime, heartbeat_file=tmp_path / "beat")
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    for _ in range(500):
        if worker.beats:
            break
        await asyncio.sleep(0.01)
    assert worker.beats >= 1
    assert (await client.get("/readyz")).json()["workers"]["alive"] == 1
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert (await client.get("/readyz")).json()["workers"] == {
        "alive": 0,
        "last_heartbeat_at": None,
    }


async def test_worker_probe_checks_the_heartbeat_file(runtime, tmp_path, capsys):
    beat = tmp_path / "worker.heartbeat"
    assert main(["worker-probe", "--heartbeat-file", str(beat)]) == 1  # never beat
    await Worker(runtime, heartbeat_file=beat).beat()
    assert main(["worker-probe", "--heartbeat-file", str(beat)]) == 0
    stale = time.time() - 120
    os.utime(beat, (stale, stale))
    assert main(["worker-probe", "--heartbeat-file", str(beat), "--max-age", "60"]) == 1
    assert "no worker heartbeat" in capsys.readouterr().err
