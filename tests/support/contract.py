"""The OpenAPI document as a test oracle: its operations, and whether a live response (status,
media type, headers, body) is one the document promises."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import httpx
import orjson
from jsonschema import Draft202012Validator

METHODS = ("get", "put", "post", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.spec.get("operationId", f"{self.method} {self.path}"))


class OpenApi:
    """One OpenAPI 3.1 document, with `$ref`s resolved against itself."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._validators: dict[str, Draft202012Validator] = {}

    @cached_property
    def operations(self) -> list[Operation]:
        return [
            Operation(method.upper(), path, operation)
            for path, item in self.document["paths"].items()
            for method, operation in item.items()
            if method in METHODS
        ]

    def resolve(self, value: dict[str, Any]) -> dict[str, Any]:
        """Follow a local `$ref` (one level is all the document uses outside schemas)."""
        ref = value.get("$ref")
        if ref is None:
            return value
        node: Any = self.document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        resolved: dict[str, Any] = node
        return resolved

    def parameters(self, operation: Operation, where: str) -> list[dict[str, Any]]:
        return [
            p
            for p in (self.resolve(p) for p in operation.spec.get("parameters", []))
            if p["in"] == where
        ]

    def request_example(self, operation: Operation) -> Any:
        """The JSON request body's example: the operation's, else the schema's first."""
        body = operation.spec.get("requestBody", {}).get("content", {}).get("application/json")
        if body is None:
            return None
        if "example" in body:
            return body["example"]
        for example in body.get("examples", {}).values():
            return self.resolve(example).get("value")
        schema = self.resolve(body.get("schema", {}))
        examples = schema.get("examples")
        return examples[0] if examples else None

    def validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        """A JSON Schema 2020-12 validator whose `#/components/...` refs resolve in this
        document (the schema is validated inside a copy of the components)."""
        key = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS).decode()
        if key not in self._validators:
            root = {**schema, "components": self.document.get("components", {})}
            self._validators[key] = Draft202012Validator(
                root, format_checker=Draft202012Validator.FORMAT_CHECKER
            )
        return self._validators[key]


def _media(response: httpx.Response) -> str | None:
    value = response.headers.get("content-type")
    return value.split(";")[0].strip().lower() if value else None


def _documented_media(content: dict[str, Any], media: str) -> dict[str, Any] | None:
    for documented, entry in content.items():
        pattern = re.escape(documented.lower()).replace(r"\*", "[^/]+")
        if re.fullmatch(pattern, media):
            found: dict[str, Any] = entry
            return found
    return None


def _body_problems(api: OpenApi, entry: dict[str, Any], response: httpx.Response) -> list[str]:
    schema = entry.get("schema")
    if not schema:
        return ["the media type has no schema"]
    media = _media(response) or ""
    if media == "application/json" or media.endswith("+json"):
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            return ["the body is not JSON"]
    elif schema.get("format") == "binary":
        return []
    else:
        body = response.text
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:300]}"
        for e in api.validator(schema).iter_errors(body)
    ]


def _header_problems(
    api: OpenApi, documented: dict[str, Any], response: httpx.Response
) -> list[str]:
    problems = []
    for name, header in documented.get("headers", {}).items():
        header = api.resolve(header)
        if header.get("required") and name.lower() not in response.headers:
            problems.append(f"required header {name} missing")
    return problems


def response_problems(api: OpenApi, operation: Operation, response: httpx.Response) -> list[str]:
    """What in this response the document does not promise (empty: it conforms)."""
    responses = operation.spec.get("responses", {})
    status = str(response.status_code)
    documented = (
        responses.get(status) or responses.get(f"{status[0]}XX") or responses.get("default")
    )
    if documented is None:
        return [f"status {status} is not documented ({', '.join(sorted(responses))})"]
    documented = api.resolve(documented)
    problems = _header_problems(api, documented, response)
    content = documented.get("content", {})
    if not response.content:
        return problems
    media = _media(response)
    entry = _documented_media(content, media or "") if media else None
    if entry is None:
        return [*problems, f"media type {media} is not documented for {status} ({list(content)})"]
    return problems + _body_problems(api, entry, response)


def _media_examples(media: dict[str, Any]) -> list[tuple[str, Any]]:
    found = [("example", media["example"])] if "example" in media else []
    return found + [(f"examples/{k}", v.get("value")) for k, v in media.get("examples", {}).items()]


def operation_example_problems(api: OpenApi, operation: Operation) -> list[str]:
    """Request and response examples of one operation that their schemas refuse."""
    places = [("request", operation.spec.get("requestBody", {}))] + [
        (status, api.resolve(r)) for status, r in operation.spec.get("responses", {}).items()
    ]
    problems = []
    for where, holder in places:
        for media_type, media in holder.get("content", {}).items():
            for name, value in _media_examples(media):
                validator = api.validator(media.get("schema", {}))
                problems += [
                    f"{operation.id} {where} {media_type} {name}: {e.message[:200]}"
                    for e in validator.iter_errors(value)
                ]
    return problems


def schema_example_problems(api: OpenApi) -> list[str]:
    """`examples` of component schemas and their properties that the schema itself refuses."""
    problems: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("examples"), list) and ("type" in node or "$ref" in node):
                schema = {k: v for k, v in node.items() if k != "examples"}
                for value in node["examples"]:
                    problems.extend(
                        f"{where}: {value!r}: {e.message[:200]}"
                        for e in api.validator(schema).iter_errors(value)
                    )
            for key, child in node.items():
                walk(child, f"{where}/{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, f"{where}/{i}")

    walk(api.document.get("components", {}).get("schemas", {}), "#/components/schemas")
    return problems
