"""The one ASGI middleware: request id, body limit, error safety net, metrics, access log.

It is written against raw ASGI (no BaseHTTPMiddleware) because it runs on every request
and must cost microseconds.
"""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.context import client_address_var, request_id_var
from app.core.errors import (
    Conflict,
    DomainError,
    InternalError,
    PayloadTooLarge,
    ServiceUnavailable,
    ValidationFailed,
)
from app.core.metrics import Metrics
from app.core.problems import domain_error_response
from app.core.redaction import describe_exception, loggable_path
from app.core.unavailable import (
    is_constraint_conflict,
    is_database_unavailable,
    is_unstorable_value,
)

log = logging.getLogger("tandem.request")
access_log = logging.getLogger("tandem.access")

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
# A random per-process prefix and a counter: unique across replicas, and far cheaper per
# request than a fresh random UUID.
_ID_PREFIX = secrets.token_hex(6)
_id_counter = itertools.count(1)


def next_request_id() -> str:
    """A new request id, unique across processes."""
    return f"{_ID_PREFIX}{next(_id_counter):010x}"


class BodyTooLarge(HTTPException):
    """Raised from `receive` so FastAPI's body parsing passes it through as a 413."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Request body too large")


def _read_headers(headers: list[tuple[bytes, bytes]]) -> tuple[str, int, bytes]:
    """The request id (the caller's when well-formed, else a new one), the declared body
    length (-1 when absent or malformed) and the raw X-Forwarded-For."""
    request_id = ""
    content_length = -1
    forwarded_for = b""
    for name, value in headers:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _REQUEST_ID_RE.match(candidate):
                request_id = candidate
        elif name == b"content-length":
            try:
                content_length = int(value)
            except ValueError:
                content_length = -1
        elif name == b"x-forwarded-for":
            forwarded_for = value
    return request_id or next_request_id(), content_length, forwarded_for


class RequestContextMiddleware:
    """Wraps every HTTP request with its id, limits, metrics and a last-resort error handler."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        max_body_bytes: int,
        trusted_proxy_count: int = 0,
        access_log_enabled: bool = True,
        extra_headers: Callable[[Scope], list[tuple[bytes, bytes]]] | None = None,
        upload_limits: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        # Paths that take file uploads get their own limit: a path prefix, or a regular
        # expression when the key starts with `^` (paths with an id in them).
        self.upload_limits = tuple(
            (re.compile(key) if key.startswith("^") else key, limit)
            for key, limit in (upload_limits or {}).items()
        )
        self.extra_headers = extra_headers
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.trusted_proxy_count = trusted_proxy_count
        self.access_log_enabled = access_log_enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id, content_length, forwarded_for = _read_headers(scope["headers"])
        rid_token = request_id_var.set(request_id)
        addr_token = client_address_var.set(self._client_address(scope, forwarded_for))
        rid_header = (b"x-request-id", request_id.encode("latin-1"))

        started = time.perf_counter()
        state: dict[str, Any] = {"status": 500, "started": False}
        self.metrics.in_flight.inc()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
                state["status"] = message["status"]
                headers = [*message.get("headers", ()), rid_header]
                if self.extra_headers is not None:
                    # A header the response set itself (a page's own policy) wins.
                    present = {name.lower() for name, _ in headers}
                    headers.extend(h for h in self.extra_headers(scope) if h[0] not in present)
                message["headers"] = headers
            await send(message)

        received = 0
        limit = self._body_limit(scope["path"])

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        try:
            if content_length > limit:
                error = PayloadTooLarge(f"The request body may not exceed {limit} bytes.")
                await domain_error_response(error, scope["path"])(scope, receive, send_with_id)
            else:
                await self.app(scope, limited_receive, send_with_id)
        except Exception as exc:
            await self._handle_unexpected(exc, scope, receive, send_with_id, state)
        finally:
            self._record(scope, state["status"], time.perf_counter() - started)
            request_id_var.reset(rid_token)
            client_address_var.reset(addr_token)

    def _body_limit(self, path: str) -> int:
        """The body limit of this path: an upload path's own, else the general one."""
        limit = self.max_body_bytes
        for rule, upload_limit in self.upload_limits:
            if path.startswith(rule) if isinstance(rule, str) else rule.match(path):
                limit = upload_limit
        return limit

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        """Metrics and the access log line of a finished request."""
        route = scope.get("route")
        template = getattr(route, "path", None) or "<unmatched>"
        self.metrics.in_flight.dec()
        self.metrics.observe_request(scope["method"], template, status, elapsed)
        if self.access_log_enabled:
            access_log.info(
                "%s %s %s %.1fms",
                scope["method"],
                loggable_path(scope["path"]),
                status,
                elapsed * 1000,
                extra={"route": template, "status": status},
            )

    async def _handle_unexpected(
        self,
        exc: Exception,
        scope: Scope,
        receive: Receive,
        send: Send,
        state: dict[str, Any],
    ) -> None:
        error: DomainError
        if is_database_unavailable(exc):
            log.warning("database unavailable: %s", type(exc).__name__)
            error = ServiceUnavailable("The database is unavailable; retry shortly.", retry_after=2)
        elif is_unstorable_value(exc):
            error = ValidationFailed(
                "A value cannot be stored: text with a NUL character, or a number out of range."
            )
        elif is_constraint_conflict(exc):
            # Services check what they can; a concurrent request can still take a unique key
            # (or remove a referenced row) between the check and the write.
            log.info("write refused by a constraint: %s", describe_exception(exc))
            error = Conflict(
                "This conflicts with data that exists (possibly written by a concurrent "
                "request); read the current state and retry."
            )
        else:
            # The formatters write the traceback without messages that may quote values.
            log.error(
                "unhandled error in %s %s",
                scope["method"],
                loggable_path(scope["path"]),
                exc_info=exc,
            )
            error = InternalError("An unexpected error occurred; quote the request id.")
        if state["started"]:
            return  # the response is already on the wire; the log line is all we can add
        await domain_error_response(error, scope["path"])(scope, receive, send)

    def _client_address(self, scope: Scope, forwarded_for: bytes) -> str:
        if self.trusted_proxy_count and forwarded_for:
            hops = [h.strip() for h in forwarded_for.decode("latin-1").split(",") if h.strip()]
            if len(hops) >= self.trusted_proxy_count:
                return hops[-self.trusted_proxy_count]
        client = scope.get("client")
        return client[0] if client else "unknown"
