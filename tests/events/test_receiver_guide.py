"""The verification examples in docs/webhooks.md accept real deliveries and refuse forgeries."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from app.worker import Worker
from tests.support.events import relay_and_fan_out, subscribe
from tests.support.receiver import Received, receiver

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def _block(language: str) -> str:
    found = re.search(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    assert found, language
    return found.group(1)


async def _one_delivery(hooks, hooks_app, admin) -> tuple[str, Received]:
    with receiver() as rx:
        hook = await subscribe(hooks, admin.headers, rx.url, "user.created")
        response = await hooks.post(
            "/api/v1/users",
            headers=admin.headers,
            json={"email": "guide@example.com", "full_name": "Guide", "role": "recruiter"},
        )
        assert response.status_code == 201
        await relay_and_fan_out(hooks_app.state.runtime)
        await Worker(hooks_app.state.runtime).run_until_idle()
    assert len(rx.requests) == 1
    return hook["secret"], rx.requests[0]


async def test_the_python_example_verifies_a_real_delivery(hooks, hooks_app, admin):
    namespace: dict[str, Any] = {}
    exec(compile(_block("python"), str(GUIDE), "exec"), namespace)  # noqa: S102 - our own doc
    verify, invalid = namespace["verify_webhook"], namespace["InvalidWebhook"]
    secret, request = await _one_delivery(hooks, hooks_app, admin)

    event = verify(secret, request.headers, request.body)
    assert event["type"] == "user.created"
    with pytest.raises(invalid):
        verify(secret, request.headers, request.body.replace(b"guide", b"gu1de"))
    with pytest.raises(invalid):
        verify(secret, request.headers, request.body, now=time.time() + 301)
    with pytest.raises(invalid):
        verify("whsec_" + base64.b64encode(b"x" * 24).decode(), request.headers, request.body)


async def test_the_node_example_verifies_a_real_delivery(hooks, hooks_app, admin, tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    secret, request = await _one_delivery(hooks, hooks_app, admin)
    (tmp_path / "verify.js").write_text(_block("javascript"), encoding="utf-8")
    (tmp_path / "run.js").write_text(
        "const { verifyWebhook } = require('./verify.js');\n"
        "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
        "try {\n"
        "  const event = verifyWebhook(input.secret, input.headers,"
        " Buffer.from(input.body, 'base64'));\n"
        "  console.log('ok ' + event.type);\n"
        "} catch (e) { console.log('refused ' + e.message); }\n",
        encoding="utf-8",
    )

    def run(body: bytes) -> str:
        payload = {
            "secret": secret,
            "headers": request.headers,
            "body": base64.b64encode(body).decode(),
        }
        done = subprocess.run(
            [node, str(tmp_path / "run.js")],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip()

    assert run(request.body) == "ok user.created"
    assert run(request.body + b" ").startswith("refused")
