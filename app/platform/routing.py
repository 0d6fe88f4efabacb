"""The route class every router uses: docstring summaries, stored idempotent responses."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.platform import idempotency

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class TandemRoute(APIRoute):
    """An APIRoute whose summary is its docstring's first line and whose handler saves the
    response of a request that claimed an Idempotency-Key, inside the request's transaction."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        doc = inspect.getdoc(endpoint) or ""
        first, _, rest = doc.partition("\n\n")
        if kwargs.get("summary") is None and first:
            kwargs["summary"] = " ".join(first.split()).rstrip(".")
        if kwargs.get("description") is None:
            kwargs["description"] = rest.strip()
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            response = await handler(request)
            claim: idempotency.Claim | None = getattr(request.state, "idempotency_claim", None)
            if claim is not None and response.status_code < 500:
                headers = {k.lower(): v for k, v in response.headers.items()}
                body = bytes(response.body)
                if claim.sealed:
                    body = idempotency.seal(body, request.app.state.runtime.secrets)
                    headers[idempotency.SEALED_HEADER] = "1"
                await idempotency.complete(
                    request.state.session, claim, response.status_code, headers, body
                )
            return response

        return route_handler
