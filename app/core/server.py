"""The HTTP protocol `tandem serve` runs: uvicorn's httptools protocol with a cap on the size
of a request's head (request line and headers).

httptools (llhttp) buffers a header of any size, so without a cap one unauthenticated client
can make the server hold megabytes per connection. Past the cap the answer is 431 and the
connection is closed, before the parser has buffered more than the cap.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from app.core.errors import HeaderTooLarge
from app.core.middleware import next_request_id
from app.core.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_PREFIX

_END_OF_HEAD = b"\r\n\r\n"


def _too_large_parts(limit: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The 431 problem's headers and body."""
    request_id = next_request_id()
    body = orjson.dumps(
        {
            "type": PROBLEM_TYPE_PREFIX + HeaderTooLarge.slug,
            "title": HeaderTooLarge.title,
            "status": HeaderTooLarge.status,
            "detail": f"The request line and headers may not exceed {limit} bytes in all.",
            "instance": "",
            "request_id": request_id,
        }
    )
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
        (b"connection", b"close"),
    ]
    return headers, body


def head_too_large_response(limit: int) -> bytes:
    """The whole 431 response, written straight to the connection."""
    headers, body = _too_large_parts(limit)
    lines = b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    return b"HTTP/1.1 431 Request Header Fields Too Large\r\n" + lines + b"\r\n" + body


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """httptools with a cap on the request head: `config.h11_max_incomplete_event_size`
    (which `tandem serve` sets from `TANDEM_MAX_REQUEST_HEAD_BYTES`; h11 uses the same)."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.head_limit = int(config.h11_max_incomplete_event_size or 0)
        self._in_head = True
        self._head_bytes = 0
        self._tail = b""  # the last bytes seen, for an end of head split across reads
        self._parsed_head = 0
        self._refused = False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._in_head and self.head_limit:
            end = (self._tail + data).find(_END_OF_HEAD)
            if end < 0:
                self._head_bytes += len(data)
                self._tail = data[-3:]
            else:
                self._head_bytes += max(0, end + len(_END_OF_HEAD) - len(self._tail))
                self._in_head = False
            if self._head_bytes > self.head_limit:
                self._refuse()
                return
        super().data_received(data)

    def _refuse(self) -> None:
        self.logger.info("request head over %d bytes: 431", self.head_limit)
        self._refused = True
        self.transport.write(head_too_large_response(self.head_limit))
        self.transport.close()

    # A request pipelined behind another in one read is measured by the parser's callbacks.
    def on_message_begin(self) -> None:
        self._parsed_head = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._parsed_head += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._parsed_head += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if not (self.head_limit and self._parsed_head > self.head_limit):
            super().on_headers_complete()
            return
        # Answered in turn, after the requests before it on this connection.
        app, self.app = self.app, _HeadTooLargeApp(self.head_limit)
        try:
            super().on_headers_complete()
        finally:
            self.app = app


class _HeadTooLargeApp:
    """The ASGI answer to a request whose head is over the limit: 431, connection closed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers, body = _too_large_parts(self.limit)
        await send({"type": "http.response.start", "status": 431, "headers": headers})
        await send({"type": "http.response.body", "body": body})
