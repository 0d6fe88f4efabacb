"""Operation-level examples for the core operations, from `app/data/openapi_examples.json`
(real answers of the demo organisation, written by `scripts/lib/openapi_examples.py`; the
contract tests validate every one against the document).

They are added to the finished document: FastAPI drops `null` values from what routes declare,
and an example must show a nullable field's null."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

JSON = "application/json"


@cache
def _examples() -> dict[str, Any]:
    text = resources.files("app.data").joinpath("openapi_examples.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _attach(operation: dict[str, Any], entry: dict[str, Any]) -> None:
    if "request" in entry:
        content = operation.get("requestBody", {}).get("content", {})
        if JSON in content:
            content[JSON]["example"] = entry["request"]
    for status, media in entry["responses"].items():
        content = operation.get("responses", {}).get(status, {}).get("content", {})
        if JSON in content:
            content[JSON].update(media)


def with_examples(build: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Wrap the document builder: every operation named in the examples file gets its request
    and response examples (idempotent, so a cached document is not changed twice)."""

    def openapi() -> dict[str, Any]:
        schema = build()
        examples = _examples()
        for item in schema.get("paths", {}).values():
            for operation in item.values():
                entry = examples.get(str(operation.get("operationId")))
                if entry is not None:
                    _attach(operation, entry)
        return schema

    return openapi
