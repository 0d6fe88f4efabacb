"""The route class every router uses: docstring summaries, the request body's media type,
stored idempotent responses."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response, params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from app.core.errors import UnsupportedMediaType
from app.platform import idempotency

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


JSON_MEDIA = "application/json"
FORM_MEDIA = ("application/x-www-form-urlencoded", "multipart/form-data")


def _accepts(media_type: str, form: bool) -> bool:
    if form:
        return media_type in FORM_MEDIA
    return media_type == JSON_MEDIA or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class TandemRoute(APIRoute):
    """An APIRoute whose summary is its docstring's first line, which answers 415 to a body
    declared as JSON (or a form) that arrives as something else, and whose handler saves the
    response of a request that claimed an Idempotency-Key, inside the request's transaction."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        doc = inspect.getdoc(endpoint) or ""
        first, _, rest = doc.partition("\n\n")
        if kwargs.get("summary") is None and first:
            kwargs["summary"] = " ".join(first.split()).rstrip(".")
        if kwargs.get("description") is None:
            kwargs["description"] = rest.strip()
        super().__init__(path, endpoint, **kwargs)

    @staticmethod
    def _media_type_error(request: Request, form: bool) -> UnsupportedMediaType | None:
        """The 415 for a body sent as something the route does not parse (None if it is fine).

        FastAPI hands such a body to validation as raw bytes, which answers a puzzling 422
        about the body's type; the check runs only once validation failed, so credentials
        and permissions are still checked first."""
        headers = request.headers
        has_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if not has_body or _accepts(media_type, form):
            return None
        expected = " or ".join(FORM_MEDIA) if form else JSON_MEDIA
        return UnsupportedMediaType(
            f"Send the body as {expected} (with that Content-Type), not "
            f"{media_type or 'without a Content-Type'}."
        )

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        body = self.body_field
        form = body is not None and isinstance(body.field_info, params.Form)

        async def route_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except RequestValidationError:
                error = self._media_type_error(request, form) if body is not None else None
                if error is not None:
                    raise error from None
                raise
            claim: idempotency.Claim | None = getattr(request.state, "idempotency_claim", None)
            if claim is not None and response.status_code < 500:
                headers = {k.lower(): v for k, v in response.headers.items()}
                stored = bytes(response.body)
                if claim.sealed:
                    stored = idempotency.seal(stored, request.app.state.runtime.secrets)
                    headers[idempotency.SEALED_HEADER] = "1"
                await idempotency.complete(
                    request.state.session, claim, response.status_code, headers, stored
                )
            return response

        return route_handler
