"""An app instance whose settings allow-list the local webhook receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.support.harness import MakeApp, asgi_client


@pytest.fixture
async def hooks_app(make_app: MakeApp) -> FastAPI:
    return await make_app(webhook_allowed_hosts=["127.0.0.1", "receiver.test"])


@pytest.fixture
async def hooks(hooks_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(hooks_app) as http:
        yield http
