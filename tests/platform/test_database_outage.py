"""A pooled PostgreSQL connection that the server dropped while it sat idle never turns a read
into a 500.

When PostgreSQL shuts down it sends every client a FATAL error (57P01). asyncpg, receiving an
error on an idle connection, leaves it in its error-consuming state until the socket's close
is processed; a read that took the connection in between failed with InternalClientError
("cannot switch to state 12; another operation (2) is in progress"), which the probe saw as
`GET /api/v1/me` 500s during `bench.resilience pg-restart`. The test puts a real pooled
connection into exactly that state by handing its protocol the server's FATAL message, then
reads: the read goes to another connection. (The 10-run restart check is in docs/security.md.)
"""

from __future__ import annotations

import struct

import pytest

from app.core.roles import Role
from app.core.unavailable import is_database_unavailable
from app.platform.runtime import Runtime
from tests.support.harness import MakeUser


def admin_shutdown_message() -> bytes:
    """The ErrorResponse PostgreSQL sends each client when it shuts down."""
    fields = (
        b"SFATAL\x00VFATAL\x00C57P01\x00"
        b"Mterminating connection due to administrator command\x00\x00"
    )
    return b"E" + struct.pack("!i", len(fields) + 4) + fields


async def test_a_connection_dropped_while_idle_is_not_a_500(
    client, make_user: MakeUser, runtime: Runtime, backend
):
    if backend.name != "postgresql":
        pytest.skip("the lean read pool is PostgreSQL's")
    user = await make_user(Role.RECRUITER)
    pool = runtime.db._pg_pool
    assert pool is not None
    assert (await client.get("/api/v1/me", headers=user.headers)).status_code == 200
    idle = [h._con for h in pool._holders if h._con is not None and not h._in_use]
    assert idle, "the read left an idle pooled connection"
    for connection in idle:
        connection._protocol.data_received(admin_shutdown_message())
        assert not connection.is_closed()  # the socket's close has not been seen yet
    runtime.principals.clear()  # authenticate through the lean pool again
    for _ in range(3):
        response = await client.get("/api/v1/me", headers=user.headers)
        assert response.status_code == 200, response.text


def test_the_connection_state_error_counts_as_the_database_being_away():
    import asyncpg

    error = asyncpg.exceptions.InternalClientError(
        "cannot switch to state 12; another operation (2) is in progress"
    )
    assert is_database_unavailable(error)
