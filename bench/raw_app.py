"""The floor: a raw ASGI app (no framework) answering the benchmark's requests with the same
SQL through asyncpg. Run with uvicorn exactly like the service."""

from __future__ import annotations

import os
import uuid
from typing import Any
from urllib.parse import parse_qs

import asyncpg
import orjson

from app.core.pagination import CursorCodec, PageRequest
from app.services.identity.users import _USER_BY_ID, USERS
from app.services.intakes.queries import _BY_ID as _INTAKE_BY_ID
from app.services.pipeline.application_queries import APPLICATIONS
from app.services.pipeline.candidate_queries import _BY_ID as _CANDIDATE_BY_ID

DSN = os.environ["BENCH_RAW_DSN"]
GET_SQL, _ = _USER_BY_ID.postgres()
INTAKE_SQL, _ = _INTAKE_BY_ID.postgres()
CANDIDATE_SQL, _ = _CANDIDATE_BY_ID.postgres()
APPLICATIONS_SQL, _ = APPLICATIONS._query("id", frozenset(), after=False).postgres()
# The same statement the service runs for the first page of a list (no filters, no cursor).
LIST_SQL, _ = USERS._query("id", frozenset(), after=False).postgres()
AFTER_SQL, _ = USERS._query("id", frozenset(), after=True).postgres()
CURSORS = CursorCodec(os.environ.get("BENCH_SECRET", ""))

pool: asyncpg.Pool | None = None


async def _send_json(send: Any, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global pool
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                pool = await asyncpg.create_pool(DSN, min_size=1, max_size=10)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if pool is not None:
                    await pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    if pool is None:
        raise RuntimeError("lifespan startup did not run")
    path: str = scope["path"]
    if path == "/api/v1/users":
        query = parse_qs(scope["query_string"].decode())
        if "cursor" in query:
            (after,) = CURSORS.decode(query["cursor"][0], "users|id|", ("uuid",))
            rows = await pool.fetch(AFTER_SQL, after, PageRequest().limit + 1)
        else:
            rows = await pool.fetch(LIST_SQL, PageRequest().limit + 1)
        data = [dict(r) for r in rows[:50]]
        body = orjson.dumps(
            {"data": data, "next_cursor": None, "has_more": len(rows) > 50}, default=str
        )
        await _send_json(send, 200, body)
    elif path == "/api/v1/applications":
        rows = await pool.fetch(APPLICATIONS_SQL, PageRequest().limit + 1)
        data = [dict(r) for r in rows[:50]]
        body = orjson.dumps(
            {"data": data, "next_cursor": None, "has_more": len(rows) > 50}, default=str
        )
        await _send_json(send, 200, body)
    elif path.startswith("/api/v1/candidates/"):
        row = await pool.fetchrow(CANDIDATE_SQL, uuid.UUID(path.rsplit("/", 1)[1]))
        await _send_json(
            send, 200 if row else 404, orjson.dumps(dict(row) if row else {}, default=str)
        )
    elif path.startswith("/api/v1/intakes/"):
        row = await pool.fetchrow(INTAKE_SQL, uuid.UUID(path.rsplit("/", 1)[1]))
        await _send_json(
            send, 200 if row else 404, orjson.dumps(dict(row) if row else {}, default=str)
        )
    elif path.startswith("/api/v1/users/"):
        row = await pool.fetchrow(GET_SQL, uuid.UUID(path.rsplit("/", 1)[1]))
        await _send_json(
            send, 200 if row else 404, orjson.dumps(dict(row) if row else {}, default=str)
        )
    else:
        await _send_json(send, 404, b"{}")
