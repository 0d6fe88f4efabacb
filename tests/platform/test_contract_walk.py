"""Every operation of the live OpenAPI document, called as every principal, answers what the
document promises: a documented status, a documented media type, documented required
headers, and a body valid against the documented schema.

The walk reads the operations from the document itself, so a new route is covered the day it
is added; all it may need is a value for a new path parameter (`tests/support/contract_world`).
Reads run first against the untouched demo organisation; then every write is sent with the
document's own request example (and the current ETag where the route takes `If-Match`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import httpx
import pytest

from app.platform.runtime import Runtime
from tests.support.contract import (
    OpenApi,
    Operation,
    operation_example_problems,
    response_problems,
    schema_example_problems,
)
from tests.support.contract_world import PRINCIPALS, World, discover, seeded_world

TEST_ROUTES = "/api/v1/_test"
# Query parameters the walk must fill in when an operation requires them.
REQUIRED_QUERY = {"q": "design", "from": "1", "to": "1"}

Call = tuple[Operation, str, dict[str, str]]  # operation, principal, query


def _path(operation: Operation, world: World) -> str:
    values = {**world.path, **(world.for_writes if operation.method != "GET" else {})}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"{operation.id}: add a value for path parameter {name!r}"
        return values[name]

    return re.sub(r"\{([a-z_]+)\}", value, operation.path)


def _queries(api: OpenApi, operation: Operation) -> list[dict[str, str]]:
    """The required query parameters, then (for reads) one call per value of every enum-valued
    parameter, so each media type a `format` chooses is checked too."""
    base = {}
    for parameter in api.parameters(operation, "query"):
        if parameter.get("required"):
            name = parameter["name"]
            assert name in REQUIRED_QUERY, f"{operation.id}: add a value for query {name!r}"
            base[name] = REQUIRED_QUERY[name]
    queries = [base]
    if operation.method == "GET":
        for parameter in api.parameters(operation, "query"):
            schema = api.resolve(parameter.get("schema", {}))
            options = schema.get("enum") or [
                v for s in schema.get("anyOf", []) for v in api.resolve(s).get("enum", [])
            ]
            queries += [{**base, parameter["name"]: str(v)} for v in options]
    return queries


def _with_world_ids(value: Any, ids: dict[str, str]) -> Any:
    """The example with the world's ids where a field is named like a path parameter (the
    example's own ids are the demo's of another day)."""
    if isinstance(value, dict):
        return {
            k: ids[k] if k in ids and isinstance(v, str) else _with_world_ids(v, ids)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_with_world_ids(v, ids) for v in value]
    return value


async def _call(
    client: httpx.AsyncClient, api: OpenApi, world: World, call: Call
) -> httpx.Response:
    operation, principal, query = call
    path = _path(operation, world)
    headers = await world.headers(principal)
    if any(p["name"] == "If-Match" for p in api.parameters(operation, "header")):
        current = await client.get(path, headers=headers)
        if "etag" in current.headers:
            headers["If-Match"] = current.headers["etag"]
    example = api.request_example(operation)
    return await client.request(
        operation.method,
        path,
        params=query,
        headers=headers,
        json=_with_world_ids(example, world.path) if example is not None else None,
    )


@pytest.fixture
async def world(client: httpx.AsyncClient, runtime: Runtime) -> World:
    return await discover(client, await seeded_world(runtime))


async def test_every_operation_answers_what_the_document_promises(client, world: World):
    api = OpenApi((await client.get("/openapi.json")).json())
    operations = [op for op in api.operations if not op.path.startswith(TEST_ROUTES)]
    assert len(operations) > 100
    reads = [op for op in operations if op.method == "GET"]
    writes = [op for op in operations if op.method != "GET"]
    problems: list[str] = []
    succeeded: dict[str, set[str]] = defaultdict(set)
    for operation in reads + writes:
        for query in _queries(api, operation):
            for principal in PRINCIPALS:
                response = await _call(client, api, world, (operation, principal, query))
                assert response.status_code < 500, f"{operation.id} as {principal}: {response.text}"
                if response.is_success:
                    succeeded[operation.id].add(principal)

                problems += [
                    f"{operation.id} {query or ''} as {principal} -> {response.status_code}: {p}"
                    for p in response_problems(api, operation, response)
                ]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:60])
    # Every read really answered someone: the bodies above were checked, not just the errors.
    unread = [op.id for op in reads if not succeeded[op.id]]
    assert unread == [], "reads that answered no principal with a 2xx"
    _report(succeeded, operations)


def _report(succeeded: dict[str, set[str]], operations: list[Operation]) -> Any:
    """The share of operations that some principal completed (printed with -s)."""
    done = sum(1 for op in operations if succeeded[op.id])
    print(f"\n{done} of {len(operations)} operations answered 2xx to some principal")  # noqa: T201


# The core operations: each documents a request example (when it takes a body) and an example
# of its answer.
CORE = [
    f"{resource}_{action}"
    for resource in ("intakes", "candidates", "applications", "interviews")
    for action in ("create", "get", "list")
] + ["evaluations_get", "evaluations_list", "evaluations_update"]


async def test_examples_are_valid_against_their_schemas(client):
    api = OpenApi((await client.get("/openapi.json")).json())
    problems = schema_example_problems(api)
    for operation in api.operations:
        problems += operation_example_problems(api, operation)
    assert not problems, "\n".join(problems)
    by_id = {op.id: op for op in api.operations}
    for operation_id in CORE:
        operation = by_id[operation_id]
        if "requestBody" in operation.spec:
            assert api.request_example(operation) is not None, operation_id
        # The operation's main success answer (201 for creates, else 200) shows an example.
        status = "201" if "201" in operation.spec["responses"] else "200"
        media = operation.spec["responses"][status]["content"]["application/json"]
        assert "example" in media or "examples" in media, operation_id
