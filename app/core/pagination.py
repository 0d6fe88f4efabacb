"""Keyset pagination: opaque signed cursors, a stable order, and the list envelope.

A cursor holds the sort values of the last row served plus the list's "scope" (which list,
which filters), signed with a key derived from the service secret: a tampered cursor or one
from another list is rejected with a 422 instead of silently paging something else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

import orjson
from pydantic import BaseModel, Field
from sqlalchemy import BindParameter, ColumnElement, Integer, Select, bindparam, tuple_

from app.core.db import CompiledQuery, Database
from app.core.errors import FieldProblem, ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of a collection: the items, the cursor for the next page, and whether there is one.

    `Page[IntakeRead]` is a class named `IntakeList` (see `__class_getitem__`), so the OpenAPI
    document and generated clients get readable list types. Every member is required;
    `next_cursor` is null on the last page.
    """

    data: list[T] = Field(description="The items of this page, in the list's stable order.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` to fetch the next page; null on the last page."
    )
    has_more: bool = Field(description="Whether another page follows (`next_cursor` is set).")

    def __class_getitem__(cls, params: Any) -> Any:
        parametrized = super().__class_getitem__(params)
        item = params[0] if isinstance(params, tuple) and len(params) == 1 else params
        if (
            cls is not Page
            or not isinstance(parametrized, type)
            or not (isinstance(item, type) and issubclass(item, BaseModel))
        ):
            return parametrized
        return _named_page(parametrized, item)


_NAMED_PAGES: dict[type[BaseModel], type[BaseModel]] = {}


def _named_page(parametrized: type[BaseModel], item: type[BaseModel]) -> type[BaseModel]:
    """`Page[XRead]` as a plain subclass named `XList`: pydantic names a parametrized generic
    `Page_XRead_` in JSON schemas, a subclass by its own name. Made once per item type."""
    named = _NAMED_PAGES.get(item)
    if named is None:
        name = item.__name__.removesuffix("Read") + "List"
        metaclass: Any = type(parametrized)
        named = _NAMED_PAGES[item] = metaclass(
            name,
            (parametrized,),
            {
                "__module__": item.__module__,
                "__qualname__": name,
                "__doc__": f"A page of {item.__name__} items with the cursor to the next page.",
            },
        )
    return named


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What the caller asked for: how many items and after which cursor."""

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


Decoder = Callable[[Any], Any]


def _decode_datetime(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def _decode_uuid(value: Any) -> uuid.UUID:
    return uuid.UUID(str(value))


DECODERS: dict[str, Decoder] = {
    "datetime": _decode_datetime,
    "uuid": _decode_uuid,
    "int": int,
    "str": str,
}


@dataclass(frozen=True, slots=True)
class Keyset:
    """The columns a list is ordered by (last one unique), with how to read cursor values back."""

    columns: tuple[ColumnElement[Any], ...]
    kinds: tuple[str, ...]

    def after(self, values: Sequence[Any]) -> ColumnElement[bool]:
        """The WHERE clause for rows strictly after `values` in this order."""
        condition: ColumnElement[bool]
        if len(self.columns) == 1:
            condition = self.columns[0] > values[0]
        else:
            condition = tuple_(*self.columns) > tuple_(*values)
        return condition

    def order_by(self) -> tuple[ColumnElement[Any], ...]:
        return tuple(c.asc() for c in self.columns)


class CursorCodec:
    """Signs and verifies opaque cursors with a key derived from the service secret."""

    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"tandem-cursor\x00" + secret.encode()).digest()

    def encode(self, scope: str, values: Sequence[Any]) -> str:
        payload = orjson.dumps([scope, [_jsonable(v) for v in values]])
        mac = hmac.new(self._key, payload, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(mac + payload).rstrip(b"=").decode()

    def decode(self, cursor: str, scope: str, kinds: Sequence[str]) -> list[Any]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            mac, payload = raw[:16], raw[16:]
            expected = hmac.new(self._key, payload, hashlib.sha256).digest()[:16]
            if not hmac.compare_digest(mac, expected):
                raise ValueError("signature")
            cursor_scope, values = orjson.loads(payload)
            if cursor_scope != scope or len(values) != len(kinds):
                raise ValueError("scope")
            return [DECODERS[k](v) for k, v in zip(kinds, values, strict=True)]
        except (ValueError, TypeError, KeyError, binascii.Error, orjson.JSONDecodeError):
            raise invalid_cursor() from None


def invalid_cursor() -> ValidationFailed:
    return ValidationFailed(
        "The cursor is not valid for this list; start again without a cursor.",
        errors=[FieldProblem("query.cursor", "invalid or tampered cursor", "invalid_cursor")],
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def next_link(
    url_path: str, query: Sequence[tuple[str, str]], next_cursor: str, param: str = "cursor"
) -> str:
    """An RFC 8288 `Link` header value pointing at the next page (the cursor in `param`)."""
    params = [(k, v) for k, v in query if k != param]
    params.append((param, next_cursor))
    return f'<{url_path}?{urlencode(params)}>; rel="next"'


FilterFn = Callable[[BindParameter[Any]], ColumnElement[bool]]


@dataclass(frozen=True, slots=True)
class PageResult:
    """Rows of one page and the cursor to the next (None on the last page)."""

    rows: Sequence[Mapping[str, Any]]
    next_cursor: str | None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


class ListQuery:
    """One collection's keyset-paginated SELECT, compiled once per filter combination.

    `filters` map a filter name to a condition on its bind parameter; `orders` map an order
    name to its keyset. Pages are fetched with `limit + 1` rows to learn `has_more`.
    """

    def __init__(
        self,
        name: str,
        base: Select[Any],
        *,
        filters: Mapping[str, FilterFn],
        orders: Mapping[str, Keyset],
    ) -> None:
        self.name = name
        self.base = base
        self.filters = dict(filters)
        self.orders = dict(orders)
        self._compiled: dict[tuple[str, frozenset[str], bool], CompiledQuery] = {}

    def _query(self, order: str, active: frozenset[str], after: bool) -> CompiledQuery:
        shape = (order, active, after)
        query = self._compiled.get(shape)
        if query is None:
            keyset = self.orders[order]
            statement = self.base
            for name in sorted(active):
                statement = statement.where(self.filters[name](bindparam(f"f_{name}")))
            if after:
                params = [
                    bindparam(f"k{i}", type_=column.type) for i, column in enumerate(keyset.columns)
                ]
                statement = statement.where(keyset.after(params))
            statement = statement.order_by(*keyset.order_by()).limit(
                bindparam("page_size", type_=Integer)
            )
            query = self._compiled[shape] = CompiledQuery(statement)
        return query

    async def page(
        self,
        db: Database,
        cursors: CursorCodec,
        page: PageRequest,
        *,
        order: str,
        **filter_values: Any,
    ) -> PageResult:
        """Fetch one page; raises 422 for a cursor from another list or filter set."""
        keyset = self.orders[order]
        active = {k: v for k, v in filter_values.items() if v is not None}
        unknown = set(active) - set(self.filters)
        if unknown:
            raise KeyError(f"unknown filters for {self.name}: {sorted(unknown)}")
        scope = f"{self.name}|{order}|" + "&".join(
            f"{k}={_jsonable(v)}" for k, v in sorted(active.items())
        )
        params: dict[str, Any] = {f"f_{k}": v for k, v in active.items()}
        if page.cursor:
            values = cursors.decode(page.cursor, scope, keyset.kinds)
            params.update({f"k{i}": v for i, v in enumerate(values)})
        params["page_size"] = page.limit + 1
        query = self._query(order, frozenset(active), bool(page.cursor))
        rows = await db.fetch_all(query, params)
        if len(rows) <= page.limit:
            return PageResult(rows, None)
        rows = rows[: page.limit]
        last = rows[-1]
        next_cursor = cursors.encode(scope, [last[str(c.key)] for c in keyset.columns])
        return PageResult(rows, next_cursor)
