"""Response helpers: JSON bodies serialised once by pydantic, ETags, list envelopes with Link."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, TypeAdapter
from starlette.responses import Response

from app.core.etag import etag_for
from app.core.pagination import Page, PageResult, next_link

JSON = "application/json"
M = TypeVar("M", bound=BaseModel)

_page_adapters: dict[type[BaseModel], TypeAdapter[Any]] = {}


def json_response(
    model: BaseModel,
    *,
    status_code: int = 200,
    version: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A JSON response from a schema instance, with a strong ETag when `version` is given."""
    out = dict(headers or {})
    if version is not None:
        out["ETag"] = etag_for(version)
    return Response(model.model_dump_json(), status_code=status_code, media_type=JSON, headers=out)


def row_response(schema: type[M], row: Mapping[str, Any]) -> Response:
    """A single resource read straight from a row that carries its `version`."""
    return json_response(schema.model_validate(dict(row)), version=int(row["version"]))


def page_response(
    request: Request, schema: type[M], result: PageResult, items: Iterable[Any] | None = None
) -> Response:
    """The list envelope `{data, next_cursor, has_more}` plus an RFC 8288 `Link: rel="next"`."""
    adapter = _page_adapters.get(schema)
    if adapter is None:
        adapter = _page_adapters[schema] = TypeAdapter(Page[schema])  # type: ignore[valid-type]
    data = [dict(r) for r in result.rows] if items is None else list(items)
    page = adapter.validate_python(
        {"data": data, "next_cursor": result.next_cursor, "has_more": result.has_more}
    )
    headers = {}
    if result.next_cursor:
        headers["Link"] = next_link(
            request.url.path, request.query_params.multi_items(), result.next_cursor
        )
    return Response(adapter.dump_json(page), media_type=JSON, headers=headers)
