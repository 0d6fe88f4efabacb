"""Streaming a file out of a `multipart/form-data` request body without spooling it.

Starlette's form parser writes every file part to a temporary file before the route runs; for
a recording of several hundred megabytes that is a second copy on the API's disk. Here the
body is fed to python-multipart's push parser as it arrives and the file part's bytes are
handed on chunk by chunk, so memory stays flat and the only copy is the one in storage.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from app.core.errors import FieldProblem, MalformedBody, UnsupportedMediaType, ValidationFailed


def file_field_openapi(field: str, description: str) -> dict[str, Any]:
    """The OpenAPI request body of a multipart form with one file field."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            field: {
                                "type": "string",
                                "format": "binary",
                                "description": description,
                            }
                        },
                        "required": [field],
                    }
                }
            },
        }
    }


class StreamedFile:
    """One file field of a multipart request: `await open()`, then read `chunks()` once."""

    def __init__(self, request: Request, field: str) -> None:
        self.request = request
        self.field = field
        self.filename: str | None = None
        self.content_type: str | None = None
        self._events: deque[tuple[str, Any]] = deque()
        self._headers: dict[bytes, bytes] = {}
        self._name = b""
        self._value = b""
        self._source: AsyncIterator[tuple[str, Any]] | None = None

    def _parser(self) -> MultipartParser:
        content_type, options = parse_options_header(self.request.headers.get("content-type", ""))
        if content_type != b"multipart/form-data" or not options.get(b"boundary"):
            raise UnsupportedMediaType(
                "Send the file as multipart/form-data.",
                extensions={"accepted": ["multipart/form-data"]},
            )
        events = self._events

        def header_field(data: bytes, start: int, end: int) -> None:
            self._name += data[start:end]

        def header_value(data: bytes, start: int, end: int) -> None:
            self._value += data[start:end]

        def header_end() -> None:
            self._headers[self._name.lower()] = self._value
            self._name = self._value = b""

        def headers_finished() -> None:
            events.append(("headers", self._headers))
            self._headers = {}

        def part_data(data: bytes, start: int, end: int) -> None:
            events.append(("data", bytes(data[start:end])))

        return MultipartParser(
            options[b"boundary"],
            {
                "on_header_field": header_field,
                "on_header_value": header_value,
                "on_header_end": header_end,
                "on_headers_finished": headers_finished,
                "on_part_data": part_data,
                "on_part_end": lambda: events.append(("end", None)),
            },
        )

    async def _parse(self) -> AsyncIterator[tuple[str, Any]]:
        parser = self._parser()
        try:
            async for chunk in self.request.stream():
                parser.write(chunk)
                while self._events:
                    yield self._events.popleft()
            parser.finalize()
        except MultipartParseError as exc:
            raise MalformedBody(f"The multipart body cannot be read: {exc}") from exc
        except ClientDisconnect as exc:
            raise MalformedBody("The upload was interrupted.") from exc
        while self._events:
            yield self._events.popleft()

    async def open(self) -> None:
        """Read up to the start of the file field (422 if the body has none)."""
        self._source = self._parse()
        async for kind, value in self._source:
            if kind != "headers":
                continue
            _, options = parse_options_header(value.get(b"content-disposition", b""))
            if options.get(b"name") == self.field.encode():
                raw_name = options.get(b"filename")
                self.filename = raw_name.decode("utf-8", "replace") if raw_name else None
                self.content_type = value.get(b"content-type", b"").decode("latin-1") or None
                return
        raise ValidationFailed(
            f"The form has no `{self.field}` field.",
            errors=[FieldProblem(f"body.{self.field}", "a file is required", "missing")],
        )

    async def chunks(self) -> AsyncIterator[bytes]:
        """The file's bytes as they arrive."""
        assert self._source is not None, "open() first"  # noqa: S101
        async for kind, value in self._source:
            if kind == "data":
                if value:
                    yield value
            elif kind == "end":
                return
