"""One HTTP attempt of a webhook delivery: check the target again, sign, POST, time it."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from app.core.clock import utcnow
from app.core.config import Settings
from app.services.events import signing, targets

BODY_LIMIT = 2000
USER_AGENT = "Tandem-Webhooks/1"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got: a status (None if no response), time, body start, error."""

    status: int | None = None
    elapsed_ms: int | None = None
    body: str | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


_clients: OrderedDict[tuple[int, str, str, str, int, float], httpx.AsyncClient] = OrderedDict()
MAX_CLIENTS = 256


def _client(target: targets.Target, settings: Settings) -> httpx.AsyncClient:
    """A pooled client per (scheme, host name, checked address, port): connections are
    reused between deliveries to the same receiver, never across host names (TLS SNI)."""
    timeout = settings.webhook_timeout_seconds
    loop = id(asyncio.get_running_loop())  # clients belong to the loop that made them
    key = (loop, target.scheme, target.host, str(target.address), target.port, timeout)
    client = _clients.get(key)
    if client is None:
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
            follow_redirects=False,
            trust_env=False,  # never through a proxy from the environment: we checked the address
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        )
        _clients[key] = client
        while len(_clients) > MAX_CLIENTS:
            _, oldest = _clients.popitem(last=False)
            asyncio.get_running_loop().create_task(oldest.aclose())
    _clients.move_to_end(key)
    return client


def signed_headers(
    message_id: str, body: bytes, secrets: Sequence[str], timestamp: int | None = None
) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt."""
    timestamp = int(utcnow().timestamp()) if timestamp is None else timestamp
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signing.signature_header(secrets, message_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


async def send(
    url: str,
    message_id: str,
    payload: Mapping[str, Any],
    secrets: Sequence[str],
    settings: Settings,
) -> Outcome:
    """POST the signed payload to the address checked just now (no second DNS lookup)."""
    try:
        target = await targets.check_target(url, settings)
    except targets.TargetRefused as exc:
        return Outcome(error=f"refused: {exc}")
    body = orjson.dumps(payload)
    headers = signed_headers(message_id, body, secrets)
    headers["host"] = target.host_header
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    started = time.perf_counter()
    try:
        client = _client(target, settings)
        request = client.build_request(
            "POST", target.connect_url(), content=body, headers=headers, extensions=extensions
        )
        response = await client.send(request, stream=True)
        received = b""
        try:
            async for chunk in response.aiter_bytes():
                received += chunk
                if len(received) >= BODY_LIMIT:
                    break
        finally:
            await response.aclose()
        text = received[:BODY_LIMIT].decode("utf-8", "replace")
    except httpx.HTTPError as exc:
        elapsed = int((time.perf_counter() - started) * 1000)
        return Outcome(elapsed_ms=elapsed, error=f"{type(exc).__name__}: {exc}"[:1000])
    elapsed = int((time.perf_counter() - started) * 1000)
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return Outcome(status=response.status_code, elapsed_ms=elapsed, body=text, error=error)
