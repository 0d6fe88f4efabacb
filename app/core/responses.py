"""Response helpers: JSON bodies, strong ETags, list envelopes with an RFC 8288 Link."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, TypeVar

import orjson
from fastapi import Request
from pydantic import BaseModel
from starlette.responses import Response

from app.core.etag import etag_for
from app.core.pagination import Page, PageResult, next_link

JSON = "application/json"
M = TypeVar("M", bound=BaseModel)


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


def _encode_default(value: Any) -> Any:
    # orjson handles str/int/bool/None/datetime/uuid.UUID itself; asyncpg hands back its own
    # UUID subclass, and enums or decimals need their plain forms.
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)  # money is a JSON number, as the schemas declare
    raise TypeError(f"cannot encode {type(value).__name__}")


@cache
def _fields(schema: type[BaseModel]) -> tuple[str, ...]:
    return tuple(schema.model_fields)


def encode_rows(schema: type[BaseModel], rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Database rows cut to exactly a schema's fields, ready for `orjson`."""
    fields = _fields(schema)
    return [{name: row[name] for name in fields} for row in rows]


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_encode_default, option=orjson.OPT_UTC_Z)


def row_response(schema: type[M], row: Mapping[str, Any]) -> Response:
    """A single resource straight from a row (selected to match `schema`, plus `version`).

    Hot read paths skip pydantic: the row already has the schema's types, and orjson
    writes the same JSON (the test suite checks every such response against its schema).
    """
    body = _dumps(encode_rows(schema, (row,))[0])
    return Response(body, media_type=JSON, headers={"ETag": etag_for(int(row["version"]))})


def link_headers(
    request: Request, next_cursor: str | None, param: str = "cursor"
) -> dict[str, str]:
    """`Link: rel="next"` to this request with the cursor in `param`, when there is a next page."""
    if not next_cursor:
        return {}
    query = request.query_params.multi_items()
    return {"Link": next_link(request.url.path, query, next_cursor, param)}


def page_response(request: Request, schema: type[M], result: PageResult) -> Response:
    """The list envelope `{data, next_cursor, has_more}` plus an RFC 8288 `Link: rel="next"`."""
    body = _dumps(
        {
            "data": encode_rows(schema, result.rows),
            "next_cursor": result.next_cursor,
            "has_more": result.has_more,
        }
    )
    return Response(body, media_type=JSON, headers=link_headers(request, result.next_cursor))


def models_response(request: Request, schema: type[M], result: PageResult) -> Response:
    """The list envelope, each row validated by pydantic: for rows whose stored documents are
    shaped by the schema (cold lists; hot lists write rows directly with `page_response`)."""
    page = Page[schema](  # type: ignore[valid-type]
        data=[schema.model_validate(dict(row)) for row in result.rows],
        next_cursor=result.next_cursor,
        has_more=result.has_more,
    )
    headers = link_headers(request, result.next_cursor)
    return Response(page.model_dump_json(), media_type=JSON, headers=headers)
