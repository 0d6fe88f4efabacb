"""OpenAPI `responses` entries for bodies that are not JSON: each media type with its own
schema, so generated clients read text as text and files as bytes, never parsing them as JSON."""

from __future__ import annotations

from typing import Any


def text_response(description: str, *media_types: str) -> dict[str, Any]:
    """A response whose body is text in one of `media_types` (a JSON alternative, if any, comes
    from the route's `response_model`)."""
    schema = {"type": "string"}
    return {"description": description, "content": {m: {"schema": schema} for m in media_types}}


def binary_response(description: str, *media_types: str) -> dict[str, Any]:
    """A response whose body is a file in one of `media_types`."""
    schema = {"type": "string", "format": "binary"}
    return {"description": description, "content": {m: {"schema": schema} for m in media_types}}
