"""The lean read path writes rows with orjson: check it produces exactly what the schemas say,
byte for byte what pydantic would write, and that the README documents every setting."""

import re
from pathlib import Path

from pydantic import TypeAdapter

from app.core.config import Settings
from app.core.pagination import Page
from app.core.roles import Role
from app.schemas.api_clients import ApiClientRead
from app.schemas.audit import AuditEventRead
from app.schemas.users import UserRead

ROOT = Path(__file__).resolve().parents[2]


async def test_user_reads_match_the_schema_exactly(client, admin, make_user):
    other = await make_user(Role.INTERVIEWER)
    single = await client.get(f"/api/v1/users/{other.id}", headers=admin.headers)
    assert single.status_code == 200
    # Re-serialising through the schema gives the same bytes: same fields, same formats.
    assert UserRead.model_validate_json(single.content).model_dump_json().encode() == single.content
    listing = await client.get("/api/v1/users", headers=admin.headers)
    adapter = TypeAdapter(Page[UserRead])
    assert adapter.dump_json(adapter.validate_json(listing.content)) == listing.content
    assert set(listing.json()["data"][0]) == set(UserRead.model_fields)
    me = await client.get("/api/v1/me", headers=other.headers)
    assert UserRead.model_validate_json(me.content).model_dump_json().encode() == me.content


async def test_other_lists_match_their_schemas(client, admin):
    created = await client.post(
        "/api/v1/api-clients",
        headers=admin.headers,
        json={"name": "ATS", "scopes": ["candidates:write"]},
    )
    assert created.status_code == 201
    for path, schema in (
        ("/api/v1/api-clients", ApiClientRead),
        ("/api/v1/audit-events", AuditEventRead),
    ):
        response = await client.get(path, headers=admin.headers)
        assert response.status_code == 200, response.text
        adapter = TypeAdapter(Page[schema])  # type: ignore[valid-type]
        assert adapter.dump_json(adapter.validate_json(response.content)) == response.content
        assert response.json()["data"], path
        assert set(response.json()["data"][0]) == set(schema.model_fields)


def test_readme_documents_every_setting():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`(TANDEM_[A-Z0-9_]+)`", readme))
    settings = {f"TANDEM_{name.upper()}" for name in Settings.model_fields}
    assert settings - documented == set(), "settings missing from the README table"
    tools = {"TANDEM_TEST_DATABASE_URL", "TANDEM_FUZZ_DATABASE_URL"}  # test and fuzz tools
    assert documented - settings - tools == set(), "README names unknown settings"


async def test_intake_reads_match_the_schema_exactly(client, make_user):
    from app.schemas.intakes import IntakeRead

    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    body = {
        "title": "Backend Engineer",
        "salary_min": 80000.5,
        "salary_max": 90000,
        "currency": "EUR",
        "hiring_manager_id": str(manager.id),
        "must_haves": [{"item": "Python"}, {"item": "SQL", "why": "Reports"}],
        "sync_cadence": {"frequency": "weekly", "weekday": "tuesday"},
        "shortlist_due_date": "2027-01-15",
        "target_fill_date": "2027-03-01",
    }
    created = await client.post("/api/v1/intakes", headers=recruiter.headers, json=body)
    url = f"/api/v1/intakes/{created.json()['id']}"
    await client.post(f"{url}/submit-for-review", headers=recruiter.headers)
    await client.post(f"{url}/sign-off", headers=recruiter.headers, json={"revision": 1})
    adapter = TypeAdapter(Page[IntakeRead])
    for state in ("in_review", "cancelled"):
        single = await client.get(url, headers=manager.headers)
        assert single.json()["status"] == state, single.text
        # The same bytes pydantic would write for the same values.
        assert IntakeRead.model_validate_json(single.content).model_dump_json().encode() == (
            single.content
        )
        listing = await client.get("/api/v1/intakes", headers=manager.headers)
        assert adapter.dump_json(adapter.validate_json(listing.content)) == listing.content
        if state == "in_review":
            # The write path (pydantic) and the read path (orjson) agree byte for byte.
            again = await client.post(
                f"{url}/sign-off", headers=recruiter.headers, json={"revision": 1}
            )
            assert again.content == single.content
            await client.post(f"{url}/cancel", headers=recruiter.headers)
