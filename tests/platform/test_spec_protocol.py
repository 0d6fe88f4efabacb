"""The protocol is in the OpenAPI document: statuses, headers, header parameters, list
schemas, tags, servers, descriptions; and live responses keep to what it says."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel
from sqlalchemy import func, select

from app.core.openapi import build_openapi
from app.core.pagination import Page
from app.core.roles import Role
from app.deps import CurrentPrincipal, IdempotencyDep, IfMatch, PageDep
from app.main import create_app
from app.models.base import table_of
from app.models.identity import User
from app.models.platform import Event
from app.platform.routing import TandemRoute
from app.platform.runtime import Runtime
from tests.support.harness import MakeApiKey, asgi_client, make_settings
from tests.support.intakes import intake_body

METHODS = ("get", "put", "post", "patch", "delete")
PROTOCOL_HEADERS = (
    "etag",
    "location",
    "link",
    "retry-after",
    "ratelimit",
    "ratelimit-policy",
    "idempotent-replayed",
    "x-request-id",
)
# The event feed's page: its `next_cursor` is set on the last page too (poll with it as
# `after`), so it is never null and there is no `Link` to a next page.
FEED = "#/components/schemas/EventList"
# The core flow of DESIGN.md: these operations say more than their summary.
CORE_OPERATIONS = {
    "users_create",
    "users_list",
    "users_update",
    "intakes_create",
    "intakes_list",
    "intakes_get",
    "intakes_update",
    "intakes_upsert_by_external_id",
    "intakes_submit_for_review",
    "intakes_sign_off",
    "intakes_open",
    "intakes_diff",
    "interview_plans_create",
    "interview_plans_copy",
    "interview_plans_get_kit",
    "interview_plans_get_readiness",
    "candidates_create",
    "candidates_list",
    "candidates_upsert_by_external_id",
    "applications_create",
    "applications_list",
    "applications_move",
    "applications_get_briefing",
    "applications_share_briefing",
    "applications_get_debrief",
    "applications_decide",
    "interviews_create",
    "interviews_complete",
    "interviews_get_calendar",
    "evaluations_list",
    "evaluations_update",
    "evaluations_submit",
    "auth_token",
}


# --- the document -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The document of the app as shipped (no test-only routes); it needs no database."""
    data_dir = tmp_path_factory.mktemp("spec")
    application = create_app(
        make_settings(f"sqlite+aiosqlite:///{data_dir / 'unused.db'}", data_dir), background=False
    )
    return application.openapi()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def resolved_parameters(spec: dict[str, Any], operation: dict[str, Any]) -> list[dict[str, Any]]:
    shared = spec["components"]["parameters"]
    return [
        shared[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p
        for p in operation.get("parameters", [])
    ]


def header_parameter(spec: dict[str, Any], operation: dict[str, Any], name: str) -> Any:
    return next(
        (
            p
            for p in resolved_parameters(spec, operation)
            if p["in"] == "header" and p["name"] == name
        ),
        None,
    )


def api_operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [op for op in operations(spec) if op[1].startswith("/api/v1/")]


def test_statuses_follow_from_each_routes_traits(spec):
    missing = []
    for method, path, op in api_operations(spec):
        statuses = {int(s) for s in op["responses"]}
        expected = {503}
        if "requestBody" in op:
            expected |= {400, 413, 415, 422}
        has_path_ids = any(p["in"] == "path" for p in resolved_parameters(spec, op))
        if has_path_ids and not (method == "PUT" and 201 in statuses):
            expected.add(404)
        if op.get("security"):
            expected |= {401, 403, 422, 429}
        if_match = header_parameter(spec, op, "If-Match")
        if if_match is not None:
            expected |= {412, 428} if if_match["required"] else {412}
        if header_parameter(spec, op, "Idempotency-Key") is not None:
            expected |= {409, 422}
        if expected - statuses:
            missing.append(f"{method} {path}: {sorted(expected - statuses)}")
    assert missing == []


class _Thing(BaseModel):
    sends_etag: ClassVar[bool] = True

    name: str


def test_a_bare_route_gets_its_statuses_and_headers_from_its_traits():
    # No `responses=` anywhere: everything below is derived from the dependencies.
    router = APIRouter(prefix="/api/v1/things", route_class=TandemRoute)

    @router.patch("/{thing_id}", response_model=_Thing)
    async def things_update(
        thing_id: uuid.UUID, body: _Thing, _principal: CurrentPrincipal, _match: IfMatch
    ) -> None:
        """Change a thing."""

    @router.post("", status_code=201, response_model=_Thing)
    async def things_create(body: _Thing, _claim: IdempotencyDep) -> None:
        """Create a thing."""

    @router.get("", response_model=Page[_Thing])
    async def things_list(_principal: CurrentPrincipal, _page: PageDep) -> None:
        """List things."""

    application = FastAPI()
    application.include_router(router)
    document = build_openapi(application)
    paths = document["paths"]
    update = paths["/api/v1/things/{thing_id}"]["patch"]
    assert set(update["responses"]) == {
        "200",
        "400",
        "401",
        "403",
        "404",
        "412",
        "413",
        "415",
        "422",
        "428",
        "429",
        "503",
    }
    assert {"$ref": "#/components/parameters/IfMatch"} in update["parameters"]
    assert "ETag" in update["responses"]["200"]["headers"]
    assert "description" not in update  # the summary says it all
    create = paths["/api/v1/things"]["post"]
    assert {"409", "422", "503"} <= set(create["responses"])
    assert {"ETag", "Location", "Idempotent-Replayed"} <= set(create["responses"]["201"]["headers"])
    listing = paths["/api/v1/things"]["get"]
    assert "Link" in listing["responses"]["200"]["headers"]
    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/_ThingList"
    }
    assert "404" not in listing["responses"]


def test_the_lists_that_answered_undocumented_404s_document_them(spec):
    by_id = {op["operationId"]: op for _, _, op in operations(spec)}
    for operation_id in (
        "applications_list_briefing_links",
        "applications_list_history",
        "intakes_list_revisions",
    ):
        not_found = resolved(spec, by_id[operation_id]["responses"]["404"])
        problem = not_found["content"]["application/problem+json"]
        assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_if_match_is_required_and_not_nullable_except_on_upserts(spec):
    optional: set[str] = set()
    required: set[str] = set()
    for _, _, op in operations(spec):
        parameter = header_parameter(spec, op, "If-Match")
        if parameter is None:
            continue
        assert parameter["schema"] == {"type": "string", "minLength": 1}
        (required if parameter["required"] else optional).add(op["operationId"])
        assert ("428" in op["responses"]) is parameter["required"], op["operationId"]
    assert optional == {"intakes_upsert_by_external_id", "candidates_upsert_by_external_id"}
    assert {"users_update", "intakes_update", "organisation_update", "hm_profiles_update"} <= (
        required
    )


def test_header_parameters_are_declared_as_validated(spec):
    on_behalf_of = spec["components"]["parameters"]["OnBehalfOf"]
    assert on_behalf_of["schema"] == {"type": "string", "format": "uuid"}
    assert "422" in on_behalf_of["description"]
    for method, path, op in operations(spec):
        for parameter in resolved_parameters(spec, op):
            if parameter["in"] == "header":
                # A header is absent or a string: never `null`.
                assert "anyOf" not in parameter["schema"], (method, path, parameter["name"])
        if op.get("security"):
            assert header_parameter(spec, op, "On-Behalf-Of") is not None, (method, path)


def resolved(spec: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """A response, or the shared one in `components/responses` it refers to."""
    if "$ref" not in response:
        return response
    shared: dict[str, Any] = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return shared


def documented_headers(response: dict[str, Any]) -> set[str]:
    return {name.lower() for name in response.get("headers", {})}


def test_response_headers_are_documented_where_sent(spec):
    headers = spec["components"]["headers"]
    assert {h.lower() for h in headers} >= set(PROTOCOL_HEADERS)
    for method, path, op in operations(spec):
        for status, reference in op["responses"].items():
            response = resolved(spec, reference)
            names = documented_headers(response)
            where = f"{method} {path} {status}"
            assert "x-request-id" in names, where
            for header in response.get("headers", {}).values():
                assert "description" in header or header["$ref"].rsplit("/", 1)[1] in headers
            if status in ("429", "503"):
                assert "retry-after" in names, where
            if op.get("security") and status != "401":
                assert {"ratelimit", "ratelimit-policy"} <= names, where
            if header_parameter(spec, op, "Idempotency-Key") and status.startswith("2"):
                assert "idempotent-replayed" in names, where
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if (
                schema.get("$ref", "").endswith("List")
                and status == "200"
                and (schema["$ref"] != FEED)
            ):
                assert "link" in names, where
    by_id = {op["operationId"]: op for _, _, op in operations(spec)}
    assert "etag" in documented_headers(by_id["intakes_get"]["responses"]["200"])
    assert "etag" in documented_headers(by_id["users_update"]["responses"]["200"])
    assert {"etag", "location"} <= documented_headers(by_id["users_create"]["responses"]["201"])
    assert "location" in documented_headers(by_id["imports_create"]["responses"]["202"])
    assert "etag" not in documented_headers(by_id["users_list"]["responses"]["200"])


def test_problem_responses_are_shared(spec):
    # One definition per problem status, referred to by every operation: the document stays
    # readable (writing them inline made it 60 % larger).
    shared = spec["components"]["responses"]
    for method, path, op in api_operations(spec):
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                assert response.get("$ref", "").startswith("#/components/responses/"), (
                    method,
                    path,
                    status,
                )
    for name, response in shared.items():
        schema = response["content"]["application/problem+json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Problem"}, name
        assert "X-Request-ID" in response["headers"], name
    assert "RateLimit" not in shared["Unauthorized"]["headers"]
    assert "Retry-After" in shared["TooManyRequests"]["headers"]


def test_list_schemas_are_named_lists_with_required_members(spec):
    schemas = spec["components"]["schemas"]
    assert not [name for name in schemas if name.startswith("Page")]
    lists = {
        op["operationId"]: op["responses"]["200"]["content"]["application/json"]["schema"]
        for _, _, op in operations(spec)
        if op["operationId"].endswith("_list") and "200" in op["responses"]
    }
    assert lists["intakes_list"] == {"$ref": "#/components/schemas/IntakeList"}
    for operation_id, ref in lists.items():
        if "$ref" not in ref:
            continue  # a plain array (briefing links), not a page
        name = ref["$ref"].rsplit("/", 1)[1]
        assert name.endswith("List"), operation_id
        page = schemas[name]
        assert page["required"] == ["data", "next_cursor", "has_more"], name
        if ref["$ref"] != FEED:
            assert {"type": "null"} in page["properties"]["next_cursor"]["anyOf"], name
        assert page["properties"]["has_more"]["type"] == "boolean", name


def test_every_tag_is_declared_with_a_description(spec):
    declared = {tag["name"]: tag.get("description", "") for tag in spec["tags"]}
    used = {tag for _, _, op in operations(spec) for tag in op.get("tags", [])}
    assert used - set(declared) == set()
    assert set(declared) - used == set(), "declared tags no operation uses"
    assert all(description.strip() for description in declared.values())
    for name in ("Interviews", "Evaluations", "Debriefs", "Public", "Recordings and transcripts"):
        assert name in declared


def test_servers_are_declared(spec, tmp_path):
    assert spec["servers"] == [
        {"url": "/", "description": "This server (paths are absolute from its root)"}
    ]
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
        tmp_path,
        public_base_url="https://tandem.example.com",
    )
    deployed = create_app(settings, background=False).openapi()
    assert deployed["servers"] == [
        {"url": "https://tandem.example.com", "description": "This deployment"}
    ]


def words(text: str) -> str:
    return " ".join(text.split()).rstrip(".").casefold()


def test_descriptions_add_to_the_summary(spec):
    repeats = [
        op["operationId"]
        for _, _, op in operations(spec)
        if "description" in op and words(op["description"]) == words(op["summary"])
    ]
    assert repeats == []
    described = {op["operationId"] for _, _, op in operations(spec) if op.get("description")}
    assert CORE_OPERATIONS - described == set()
    for _, _, op in operations(spec):
        assert len(op["summary"]) <= 120, op["operationId"]


def test_the_conventions_name_the_unknown_query_parameter_policy(spec):
    description = " ".join(spec["info"]["description"].split())
    assert "Unknown query parameters are ignored" in description
    for header in ("X-Request-ID", "RateLimit", "Retry-After", "Idempotent-Replayed", "Link"):
        assert header in description


# --- live responses -----------------------------------------------------------------------


@pytest.fixture
async def live_spec(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def assert_documented(
    spec: dict[str, Any], method: str, template: str, response: httpx.Response
) -> None:
    """The status is documented for the operation, with every protocol header it carries."""
    operation = spec["paths"][template][method.lower()]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method} {template} answered {response.status_code}"
    documented = resolved(spec, documented)
    sent = {name for name in PROTOCOL_HEADERS if name in response.headers}
    assert sent - documented_headers(documented) == set(), (method, template, response.status_code)


async def count(runtime: Runtime, model: type[Any]) -> int:
    async with runtime.db.engine.connect() as conn:
        query = select(func.count()).select_from(table_of(model))
        return int((await conn.execute(query)).scalar_one())


NEW_USER = {"email": "casey@example.com", "full_name": "Casey Jones", "role": "interviewer"}


@pytest.mark.parametrize("value", ["", " ", "not-a-uuid", "2d9e6138718941c7a3f22b393986d879"])
async def test_a_malformed_on_behalf_of_from_a_person_is_a_422_and_writes_nothing(
    client, admin, runtime, value
):
    users = await count(runtime, User)
    response = await client.post(
        "/api/v1/users", headers={**admin.headers, "On-Behalf-Of": value}, json=NEW_USER
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"] == [
        {
            "location": "header.On-Behalf-Of",
            "message": "empty" if not value.strip() else "is not a UUID",
            "code": "uuid_parsing",
        }
    ]
    assert await count(runtime, User) == users
    assert await count(runtime, Event) == 0
    read = await client.get("/api/v1/me", headers={**admin.headers, "On-Behalf-Of": value})
    assert read.status_code == 422


async def test_a_well_formed_on_behalf_of_from_a_person_is_still_refused(client, admin):
    response = await client.get(
        "/api/v1/me", headers={**admin.headers, "On-Behalf-Of": str(admin.id)}
    )
    assert response.status_code == 403


async def test_a_malformed_on_behalf_of_from_a_key_is_a_422_and_writes_nothing(
    client, runtime, make_api_key: MakeApiKey
):
    for scopes in (("users:write", "on_behalf_of"), ("users:write",)):
        key = await make_api_key(*scopes)
        users = await count(runtime, User)
        response = await client.post(
            "/api/v1/users", headers=key.headers(on_behalf_of=""), json=NEW_USER
        )
        assert response.status_code == 422, response.text
        assert await count(runtime, User) == users


async def test_without_credentials_the_answer_is_still_401(client):
    response = await client.get("/api/v1/me", headers={"On-Behalf-Of": "x"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("text/plain", b'{"email": "casey@example.com"}'),
        ("application/x-www-form-urlencoded", b"email=casey%40example.com"),
        (None, b'{"email": "casey@example.com"}'),
    ],
)
async def test_a_json_body_of_another_media_type_is_a_415_and_writes_nothing(
    client, admin, runtime, live_spec, content_type, content
):
    users = await count(runtime, User)
    headers = dict(admin.headers)
    if content_type:
        headers["Content-Type"] = content_type
    response = await client.post("/api/v1/users", headers=headers, content=content)
    assert response.status_code == 415, response.text
    assert response.json()["type"] == "/problems/unsupported-media-type"
    assert "application/json" in response.json()["detail"]
    assert_documented(live_spec, "POST", "/api/v1/users", response)
    assert await count(runtime, User) == users


async def test_json_with_a_charset_or_a_json_suffix_is_accepted(client, admin):
    for index, content_type in enumerate(
        ("application/json; charset=utf-8", "application/merge-patch+json")
    ):
        body = f'{{"email": "c{index}@example.com", "full_name": "C", "role": "interviewer"}}'
        response = await client.post(
            "/api/v1/users",
            headers={**admin.headers, "Content-Type": content_type},
            content=body.encode(),
        )
        assert response.status_code == 201, response.text


async def test_a_form_route_refuses_json_and_takes_its_form(client, admin):
    token = "/api/v1/auth/token"
    as_json = await client.post(token, json={"username": admin.user.email, "password": "x"})
    assert as_json.status_code == 415
    assert "application/x-www-form-urlencoded" in as_json.json()["detail"]
    as_form = await client.post(token, data={"username": admin.user.email, "password": "wrong"})
    assert as_form.status_code == 401


async def test_an_action_without_a_body_ignores_the_content_type(client, admin, make_user):
    other = await make_user(Role.INTERVIEWER)
    response = await client.post(
        f"/api/v1/users/{other.id}/deactivate",
        headers={**admin.headers, "Content-Type": "text/plain"},
    )
    assert response.status_code == 200, response.text


async def test_live_headers_are_the_documented_ones(client, admin, make_user, live_spec):
    users, user = "/api/v1/users", "/api/v1/users/{user_id}"
    await make_user(Role.INTERVIEWER)
    await make_user(Role.INTERVIEWER)
    created = await client.post(
        users, headers={**admin.headers, "Idempotency-Key": "casey-1"}, json=NEW_USER
    )
    assert created.status_code == 201
    assert {"etag", "location", "x-request-id"} <= set(created.headers)
    assert_documented(live_spec, "POST", users, created)
    replayed = await client.post(
        users, headers={**admin.headers, "Idempotency-Key": "casey-1"}, json=NEW_USER
    )
    assert replayed.headers["idempotent-replayed"] == "true"
    assert_documented(live_spec, "POST", users, replayed)

    page = await client.get(f"{users}?limit=1", headers=admin.headers)
    assert 'rel="next"' in page.headers["link"]
    assert_documented(live_spec, "GET", users, page)
    url = created.headers["location"]
    read = await client.get(url, headers=admin.headers)
    assert_documented(live_spec, "GET", user, read)
    missing = await client.patch(url, headers=admin.headers, json={"full_name": "C. Jones"})
    assert missing.status_code == 428
    assert_documented(live_spec, "PATCH", user, missing)
    stale = await client.patch(
        url, headers={**admin.headers, "If-Match": '"999"'}, json={"full_name": "C. Jones"}
    )
    assert stale.status_code == 412
    assert_documented(live_spec, "PATCH", user, stale)
    unknown = await client.get(f"{users}/{uuid.uuid4()}", headers=admin.headers)
    assert unknown.status_code == 404
    assert_documented(live_spec, "GET", user, unknown)
    unauthenticated = await client.get(users)
    assert_documented(live_spec, "GET", users, unauthenticated)


async def test_an_upsert_takes_no_if_match_and_updates_need_one(
    client, make_user, live_spec, runtime
):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    template = "/api/v1/intakes/by-external-id/{source}/{external_id}"
    url = "/api/v1/intakes/by-external-id/greenhouse/4012345"
    body = intake_body(recruiter, manager)
    first = await client.put(url, headers=recruiter.headers, json=body)
    assert first.status_code == 201, first.text
    assert_documented(live_spec, "PUT", template, first)
    again = await client.put(url, headers=recruiter.headers, json=body)
    assert again.status_code == 200, again.text
    intake = f"/api/v1/intakes/{first.json()['id']}"
    patch = await client.patch(intake, headers=recruiter.headers, json={"headcount": 3})
    assert patch.status_code == 428
    assert_documented(live_spec, "PATCH", "/api/v1/intakes/{intake_id}", patch)


async def test_the_routes_that_require_if_match_answer_428_without_it(client, admin, make_user):
    manager = await make_user(Role.HIRING_MANAGER)
    organisation = await client.put(
        "/api/v1/organisation", headers=admin.headers, json={"name": "Acme"}
    )
    assert organisation.status_code == 428, organisation.text
    profile = await client.put(
        f"/api/v1/users/{manager.id}/hm-profile", headers=manager.headers, json={"bio": "Hi"}
    )
    assert profile.status_code == 428, profile.text
    competency = await client.post(
        "/api/v1/competencies",
        headers=admin.headers,
        json={
            "name": "Code quality",
            "description": "Writes code others can change.",
            "rubric": {"1": "a", "2": "b", "3": "c", "4": "d"},
        },
    )
    assert competency.status_code == 201, competency.text
    changed = await client.patch(
        f"/api/v1/competencies/{competency.json()['id']}",
        headers=admin.headers,
        json={"description": "Writes code others can read."},
    )
    assert changed.status_code == 428, changed.text


async def test_unknown_query_parameters_are_ignored(client, admin):
    plain = await client.get("/api/v1/users", headers=admin.headers)
    extra = await client.get("/api/v1/users?no_such_filter=1&sort=-name", headers=admin.headers)
    assert extra.status_code == 200
    assert extra.json() == plain.json()


def test_the_readme_documents_the_protocol():
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text().split())
    for text in (
        "Unknown query parameters are ignored",
        "On-Behalf-Of",
        "Idempotent-Replayed",
        "Retry-After",
        "415",
        "428",
    ):
        assert re.search(re.escape(text), readme), text


async def test_rate_limited_answers_carry_the_documented_headers(make_app, admin, live_spec):
    limited = await make_app(rate_limit_per_minute=2)
    async with asgi_client(limited) as http:
        answers = [await http.get("/api/v1/me", headers=admin.headers) for _ in range(4)]
    assert answers[0].status_code == 200
    assert {"ratelimit", "ratelimit-policy", "etag"} <= set(answers[0].headers)
    assert answers[-1].status_code == 429
    assert int(answers[-1].headers["retry-after"]) >= 1
    for answer in answers:
        assert_documented(live_spec, "GET", "/api/v1/me", answer)


async def test_creations_answer_the_documented_location_and_etag(client, make_user, live_spec):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    intake = await client.post(
        "/api/v1/intakes", headers=recruiter.headers, json=intake_body(None, manager)
    )
    comment = await client.post(
        f"/api/v1/intakes/{intake.json()['id']}/comments",
        headers=recruiter.headers,
        json={"body": "Can we move the shortlist date?"},
    )
    candidate = await client.post(
        "/api/v1/candidates", headers=recruiter.headers, json={"full_name": "Sam Okafor"}
    )
    for response, template in (
        (intake, "/api/v1/intakes"),
        (comment, "/api/v1/intakes/{intake_id}/comments"),
        (candidate, "/api/v1/candidates"),
    ):
        assert response.status_code == 201, response.text
        assert {"location", "etag"} <= set(response.headers), template
        assert response.headers["location"].endswith(response.json()["id"])
        assert_documented(live_spec, "POST", template, response)
    comments = await client.get(
        f"/api/v1/intakes/{intake.json()['id']}/comments", headers=recruiter.headers
    )
    assert_documented(live_spec, "GET", "/api/v1/intakes/{intake_id}/comments", comments)
    edited = await client.patch(
        comment.headers["location"],
        headers={**recruiter.headers, "If-Match": comment.headers["etag"]},
        json={"body": "Can we move the shortlist date to Friday?"},
    )
    assert edited.status_code == 200, edited.text
    assert_documented(
        live_spec, "PATCH", "/api/v1/intakes/{intake_id}/comments/{comment_id}", edited
    )


async def test_webhook_answers_carry_the_documented_headers(make_app, admin, live_spec):
    hooks = await make_app(webhook_allowed_hosts=["127.0.0.1"])
    async with asgi_client(hooks) as http:
        created = await http.post(
            "/api/v1/webhooks",
            headers=admin.headers,
            json={"url": "http://127.0.0.1:18199/h", "event_types": ["*"]},
        )
        assert created.status_code == 201, created.text
        assert {"location", "etag"} <= set(created.headers)
        assert_documented(live_spec, "POST", "/api/v1/webhooks", created)
        one = "/api/v1/webhooks/{webhook_id}"
        read = await http.get(created.headers["location"], headers=admin.headers)
        assert "etag" in read.headers
        assert_documented(live_spec, "GET", one, read)
        tested = await http.post(f"{created.headers['location']}/test", headers=admin.headers)
        assert tested.status_code == 202, tested.text
        assert_documented(live_spec, "POST", f"{one}/test", tested)
        documented = live_spec["paths"][f"{one}/test"]["post"]["responses"]["202"]
        assert "Location" not in documented["headers"]
