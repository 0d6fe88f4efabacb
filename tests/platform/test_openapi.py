"""The OpenAPI document reads well for generated clients, and the docs work offline."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from app.deps import idempotency_claim
from app.main import create_app
from tests.support.harness import make_settings

OPERATION_ID = re.compile(r"^[a-z]+(_[a-z]+)+$")
PROBLEM_REF = "#/components/schemas/Problem"
METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


@pytest.fixture
async def production_app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    """The app as shipped (no test-only routes); the schema needs no database."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"
    application = create_app(make_settings(url, tmp_path), background=False)
    yield application
    await application.state.runtime.db.dispose()


@pytest.fixture
async def http(production_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=production_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def spec(http: httpx.AsyncClient) -> dict[str, Any]:
    response = await http.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def parameters(spec: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    """The operation's parameters, shared ones (`$ref`) resolved."""
    shared = spec.get("components", {}).get("parameters", {})
    out = []
    for parameter in operation.get("parameters", []):
        ref = parameter.get("$ref")
        if ref is not None:
            assert ref.startswith("#/components/parameters/"), ref
            parameter = shared[ref.rsplit("/", 1)[1]]
        out.append(parameter)
    return out


def problem_refs(response: dict[str, Any], spec: dict[str, Any]) -> bool:
    if "$ref" in response:  # a shared response in components/responses
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response.get("content", {}).get("application/problem+json", {}).get("schema", {})
    return bool(schema.get("$ref") == PROBLEM_REF)


def test_operation_ids_are_unique_and_readable(spec):
    ids = [str(op.get("operationId")) for _, _, op in operations(spec)]
    assert ids, "no operations"
    bad = [i for i in ids if not OPERATION_ID.match(i)]
    assert bad == []
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for expected in ("users_create", "users_list", "users_get", "users_update", "me_get"):
        assert expected in ids


def test_every_operation_has_a_summary_and_tags(spec):
    missing = [
        f"{method} {path}"
        for method, path, op in operations(spec)
        if not (op.get("summary") or "").strip() or not op.get("tags")
    ]
    assert missing == []


def test_every_operation_documents_a_problem_response(spec):
    # Every API operation; the operational probes (/livez, /readyz, /metrics) answer with
    # their status code alone, and /readyz documents its 503.
    assert "503" in spec["paths"]["/readyz"]["get"]["responses"]
    undocumented = [
        f"{method} {path}"
        for method, path, op in operations(spec)
        if path.startswith("/api/v1/")
        and not any(
            status.startswith("4") and problem_refs(response, spec)
            for status, response in op.get("responses", {}).items()
        )
    ]
    assert undocumented == []


def test_documented_errors_are_problems(spec):
    # A 4xx documented with another body (FastAPI's default HTTPValidationError) would
    # generate client code for a shape the API never sends.
    wrong = [
        f"{method} {path} {status}"
        for method, path, op in operations(spec)
        for status, response in op.get("responses", {}).items()
        if status.startswith("4") and not problem_refs(response, spec)
    ]
    assert wrong == []
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    problem = schemas["Problem"]
    assert {"type", "title", "status", "detail", "instance"} <= set(problem["required"])
    assert {"request_id", "errors"} <= set(problem["properties"])
    assert "FieldError" in schemas


def test_path_parameters_are_resource_ids(spec):
    names = {
        parameter["name"]
        for _, _, op in operations(spec)
        for parameter in parameters(spec, op)
        if parameter["in"] == "path"
    }
    assert names
    # Resources are `{<resource>_id}`; the only other path parameters are an ATS's
    # (source, external id) pair, revision or version numbers, and an occupation's SOC code
    # (market data is keyed by the public classification, not by an id of ours).
    others = {"source", "revision", "version", "token", "soc_code"}
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*_id", n) for n in names - others), names


def uses(dependant: Dependant, call: Any) -> bool:
    return dependant.call is call or any(uses(d, call) for d in dependant.dependencies)


def test_idempotent_posts_document_the_header(production_app, spec):
    idempotent = {
        context.original_route.name
        for context in iter_route_contexts(production_app.routes)
        if isinstance(context.original_route, APIRoute)
        and uses(context.original_route.dependant, idempotency_claim)
    }
    assert "users_create" in idempotent
    documented = {
        op["operationId"]
        for method, _, op in operations(spec)
        if any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in parameters(spec, op))
    }
    assert documented == idempotent
    for method, _, op in operations(spec):
        if op["operationId"] in idempotent:
            assert method == "POST"


async def test_docs_are_served_from_local_assets(http):
    for page in ("/docs", "/redoc"):
        response = await http.get(page)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert "/openapi.json" in html
        assert not re.search(r"(?i)\b(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html), page
        urls = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html)
        assert urls, page
        assert all(u.startswith("/docs/assets/") for u in urls), urls
        for url in urls:
            asset = await http.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 100, url
    assert (await http.get("/docs/assets/no-such-file.js")).status_code == 404
    redirect = await http.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200
