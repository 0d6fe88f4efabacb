"""docs/authorization.md is the truth: its matrix equals PERMISSIONS, and every route obeys it.

The table is parsed; every (resource, action) row is called over HTTP as every role and as API
keys, and "allowed" (anything but 401/403) or "refused" (403) must match the document. A route's
permission is found from its dependencies: `app.deps.require` tags its check with `.permission`.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from app.core.roles import Role
from app.core.scopes import KNOWN_SCOPES, SCOPE_ON_BEHALF_OF
from app.services.identity.access import PERMISSIONS
from tests.support.harness import Actor, MakeApiKey

DOC = Path(__file__).resolve().parents[2] / "docs" / "authorization.md"
ROLE_COLUMNS = [role.value for role in Role]
TEST_ROUTES = "/api/v1/_test"
UNROUTED = "(no route yet)"
DUMMY_ID = "0190c8a4-7d7e-7000-8000-000000000000"

Endpoint = tuple[str, str]  # (method, path template)


@dataclass(frozen=True)
class Row:
    resource: str
    action: str
    routes: frozenset[Endpoint]
    allowed: dict[str, bool]  # role -> ✓
    self_only: frozenset[str]  # roles whose ✓ is "self only"
    scope: str | None


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_matrix(text: str) -> list[Row]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Resource | Action |"))
    header = _cells(lines[start])
    assert header == ["Resource", "Action", "Routes", *ROLE_COLUMNS, "API key scope"], header
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cell = dict(zip(header, _cells(line), strict=True))
        allowed, self_only = {}, set()
        for role in ROLE_COLUMNS:
            value = cell[role]
            assert value.startswith(("✓", "—")), f"{cell['Resource']}.{cell['Action']}: {value!r}"
            allowed[role] = value.startswith("✓")
            if "self only" in value:
                self_only.add(role)
        routes = frozenset(
            (m.group(1), m.group(2))
            for m in re.finditer(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`]*)`", cell["Routes"])
        )
        assert routes or cell["Routes"] == UNROUTED, cell["Routes"]
        scope_match = re.match(r"`([a-z_:]+)`", cell["API key scope"])
        assert scope_match or cell["API key scope"] == "—", cell["API key scope"]
        rows.append(
            Row(
                resource=cell["Resource"],
                action=cell["Action"],
                routes=routes,
                allowed=allowed,
                self_only=frozenset(self_only),
                scope=scope_match.group(1) if scope_match else None,
            )
        )
    return rows


ROWS = parse_matrix(DOC.read_text(encoding="utf-8"))


def _permissions_of(dependant: Any, found: set[tuple[str, str]]) -> set[tuple[str, str]]:
    permission = getattr(dependant.call, "permission", None)
    if permission is not None:
        found.add(tuple(permission))
    for sub in dependant.dependencies:
        _permissions_of(sub, found)
    return found


def api_routes(application: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(method, path, route) of every API route, test-only support routes left out."""
    out = []
    for context in iter_route_contexts(application.routes):
        route, path = context.original_route, context.path
        if not isinstance(route, APIRoute) or path is None or path.startswith(TEST_ROUTES):
            continue
        for method in sorted(context.methods or ()):
            out.append((method, path, route))
    return out


def permission_routes(application: FastAPI) -> dict[tuple[str, str], set[Endpoint]]:
    routes: dict[tuple[str, str], set[Endpoint]] = defaultdict(set)
    for method, path, route in api_routes(application):
        for permission in _permissions_of(route.dependant, set()):
            routes[permission].add((method, path))
    return routes


def endpoints_for(row: Row) -> list[Endpoint]:
    """The row's routes; a permission no app route uses yet is checked through a test route."""
    if row.routes:
        return sorted(row.routes)
    return [("GET", f"{TEST_ROUTES}/permissions/{row.resource}/{row.action}")]


async def call(
    client: httpx.AsyncClient, endpoint: Endpoint, headers: dict[str, str], path_id: str = DUMMY_ID
) -> httpx.Response:
    method, template = endpoint
    path = re.sub(r"\{[a-z_]+\}", path_id, template)
    body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
    return await client.request(method, path, json=body, headers=headers)


def assert_outcome(response: httpx.Response, allowed: bool, what: str) -> None:
    if allowed:
        assert response.status_code not in (401, 403), f"{what}: {response.text}"
        assert response.status_code < 500, f"{what}: {response.text}"
        # It reached the route: not a path that matches nothing, nor the wrong method.
        assert response.status_code != 405, f"{what}: {response.text}"
        if response.content:
            assert not response.json().get("detail", "").startswith("No route"), what
    else:
        assert response.status_code == 403, f"{what}: {response.text}"
        assert response.json()["type"] == "/problems/forbidden", what


def row_id(row: Row) -> str:
    return f"{row.resource}.{row.action}"


# --- The document and the code agree ------------------------------------------------------


def test_doc_rows_are_exactly_the_permissions():
    doc_keys = [(row.resource, row.action) for row in ROWS]
    assert len(doc_keys) == len(set(doc_keys)), "a row appears twice"
    assert set(doc_keys) == set(PERMISSIONS)


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_doc_cells_are_the_permission(row: Row):
    permission = PERMISSIONS[(row.resource, row.action)]
    assert {Role(r) for r, ok in row.allowed.items() if ok} == set(permission.roles)
    assert row.scope == permission.scope


def test_doc_routes_are_the_routes_using_each_permission(app):
    routes = permission_routes(app)
    assert set(routes) <= set(PERMISSIONS), set(routes) - set(PERMISSIONS)
    for row in ROWS:
        assert routes.get((row.resource, row.action), set()) == set(row.routes), row_id(row)


def test_every_api_route_except_sign_in_checks_a_permission_or_is_listed(app):
    """A new route must either use `require` (and so appear in the matrix) or be one of the
    few that only need a signed-in caller."""
    without_permission = {
        (method, path)
        for method, path, route in api_routes(app)
        if path.startswith("/api/v1") and not _permissions_of(route.dependant, set())
    }
    assert without_permission == {
        ("POST", "/api/v1/auth/token"),
        ("POST", "/api/v1/auth/refresh"),
        ("POST", "/api/v1/auth/logout"),
    }


# --- Every route obeys the document -------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=row_id)
async def test_every_role_gets_what_the_doc_says(client, actors, row: Row):
    for endpoint in endpoints_for(row):
        for role in ROLE_COLUMNS:
            response = await call(client, endpoint, actors[Role(role)].headers)
            assert_outcome(response, row.allowed[role], f"{role} {endpoint}")


@pytest.mark.parametrize("row", [r for r in ROWS if r.self_only], ids=row_id)
async def test_self_only_cells_show_only_ones_own_object(client, actors, row: Row):
    for endpoint in endpoints_for(row):
        for role in row.self_only:
            me = actors[Role(role)]
            own = await call(client, endpoint, me.headers, str(me.id))
            assert own.status_code == 200, f"{role} {endpoint}: {own.text}"
            for other in actors.values():
                if other is not me:
                    hidden = await call(client, endpoint, me.headers, str(other.id))
                    assert hidden.status_code == 404, f"{role} {endpoint}: {hidden.text}"


def _scopes_without(scope: str) -> set[str]:
    """Every scope except `scope` and anything that implies it."""
    family, _, level = scope.partition(":")
    implied_by = {scope} | ({f"{family}:write"} if level == "read" else set())
    return set(KNOWN_SCOPES) - implied_by


@pytest.mark.parametrize("row", ROWS, ids=row_id)
async def test_api_keys_get_what_the_doc_says(
    client, admin, actors, make_api_key: MakeApiKey, row: Row
):
    permission = PERMISSIONS[(row.resource, row.action)]
    # Someone whose role the action allows, for keys acting on behalf of a person.
    person = next(actors[role] for role in Role if role in permission.roles)
    everything = await make_api_key(*KNOWN_SCOPES)
    for endpoint in endpoints_for(row):
        if row.scope is None:
            # People only: not with every scope, not even on behalf of an admin.
            assert_outcome(await call(client, endpoint, everything.headers()), False, "all")
            obo_admin = everything.headers(on_behalf_of=admin.id)
            assert_outcome(await call(client, endpoint, obo_admin), False, "all, OBO admin")
            continue
        only = await make_api_key(row.scope)
        lacking = await make_api_key(*_scopes_without(row.scope) - {SCOPE_ON_BEHALF_OF})
        if permission.requires_user:
            # The scope alone is not enough: the action needs a person to act for.
            assert_outcome(await call(client, endpoint, only.headers()), False, "scope, no OBO")
            both = await make_api_key(row.scope, SCOPE_ON_BEHALF_OF)
            assert_outcome(
                await call(client, endpoint, both.headers(on_behalf_of=person.id)), True, "OBO"
            )
        else:
            assert_outcome(await call(client, endpoint, only.headers()), True, row.scope)
        assert_outcome(await call(client, endpoint, lacking.headers()), False, "lacking")
        family, _, level = row.scope.partition(":")
        if level == "read":
            if permission.requires_user:
                writer = await make_api_key(f"{family}:write", SCOPE_ON_BEHALF_OF)
                headers = writer.headers(on_behalf_of=person.id)
            else:
                writer = await make_api_key(f"{family}:write")
                headers = writer.headers()
            assert_outcome(await call(client, endpoint, headers), True, "write > read")


@pytest.mark.parametrize("row", [r for r in ROWS if r.scope is not None], ids=row_id)
async def test_on_behalf_of_is_bound_by_the_users_role_and_the_keys_scopes(
    client, actors, make_api_key: MakeApiKey, row: Row
):
    assert row.scope is not None
    everything = await make_api_key(*KNOWN_SCOPES)
    lacking = await make_api_key(*_scopes_without(row.scope) | {SCOPE_ON_BEHALF_OF})
    for endpoint in endpoints_for(row):
        for role in ROLE_COLUMNS:
            user: Actor = actors[Role(role)]
            response = await call(client, endpoint, everything.headers(on_behalf_of=user.id))
            assert_outcome(response, row.allowed[role], f"all scopes, OBO {role} {endpoint}")
            if row.scope != SCOPE_ON_BEHALF_OF:
                response = await call(client, endpoint, lacking.headers(on_behalf_of=user.id))
                assert_outcome(response, False, f"lacking scope, OBO {role} {endpoint}")


# --- Nothing is public by accident ---------------------------------------------------------

PUBLIC = {
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/auth/refresh"),
    ("GET", "/livez"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    ("GET", "/problems"),
    ("GET", "/problems/{slug}"),
    ("GET", "/p/{token}"),  # the candidate's briefing: the signed token is the credential
}


async def test_every_other_route_requires_a_principal(app, client):
    checked = []
    for context in iter_route_contexts(app.routes):
        path = context.path
        if not path or path.startswith((TEST_ROUTES, "/docs/assets")):
            continue
        for method in sorted((context.methods or set()) - {"HEAD"}):
            if (method, path) in PUBLIC:
                continue
            for headers in ({}, {"Authorization": "Bearer not-a-token"}):
                response = await call(client, (method, path), headers, str(uuid.uuid4()))
                assert response.status_code == 401, f"{method} {path}: {response.text}"
                assert response.headers["content-type"].startswith("application/problem+json")
                assert "Bearer" in response.headers["www-authenticate"]
            checked.append((method, path))
    # The walk really covered the API (and the public list is not stale).
    assert len(checked) >= 15
    every = {(m, c.path) for c in iter_route_contexts(app.routes) for m in (c.methods or ())}
    assert every >= PUBLIC
