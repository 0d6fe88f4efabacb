"""Bulk candidate imports: CSV and JSON Lines, mappings, per-row errors with line numbers,
all-or-nothing rows, idempotent re-runs, applying to an intake, progress, size limits."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from typing import Any

import httpx
import orjson
from sqlalchemy import func, select

from app.core.roles import Role
from app.models.base import table_of
from app.models.candidates import Application
from app.platform.runtime import Runtime
from app.platform.storage import s3_client
from app.worker import Worker
from tests.support.candidates import CANDIDATES, UPSERT, count_candidates, new_candidate
from tests.support.harness import Actor, AppFactory, MakeApiKey, MakeUser, asgi_client
from tests.support.intakes import act
from tests.support.pipeline import APPLICATIONS, pipeline
from tests.support.s3 import S3Server, new_bucket

IMPORTS = "/api/v1/imports"
MAPPING = {
    "Name": "full_name",
    "E-mail": "email",
    "Phone": "phone",
    "Skills": "skills",
    "ATS": "external_source",
    "ATS id": "external_id",
}


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def jsonl_bytes(*lines: Any) -> bytes:
    """Each line as given when it is bytes, else as JSON."""
    return (
        b"\n".join(line if isinstance(line, bytes) else orjson.dumps(line) for line in lines)
        + b"\n"
    )


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    content: bytes,
    *,
    name: str = "people.csv",
    mapping: dict[str, str] | None = None,
    **form: str,
) -> httpx.Response:
    data = dict(form)
    if mapping is not None:
        data["mapping"] = orjson.dumps(mapping).decode()
    return await client.post(
        IMPORTS, headers=headers, files={"file": (name, content, "text/plain")}, data=data
    )


async def run_import(
    client: httpx.AsyncClient,
    runtime: Runtime,
    actor: Actor,
    content: bytes,
    **options: Any,
) -> dict[str, Any]:
    """Upload, let the worker process it, and return the finished import."""
    started = await upload(client, actor.headers, content, **options)
    assert started.status_code == 202, started.text
    await Worker(runtime).run_until_idle()
    report = await act(client, actor, "GET", f"{IMPORTS}/{started.json()['id']}")
    assert report.status_code == 200, report.text
    body: dict[str, Any] = report.json()
    return body


def counts(report: dict[str, Any]) -> tuple[int, int, int, int]:
    return (
        report["created_count"],
        report["updated_count"],
        report["unchanged_count"],
        report["error_count"],
    )


def errors_by_line(report: dict[str, Any]) -> dict[int, list[str]]:
    return {e["line"]: [p["field"] for p in e["errors"]] for e in report["errors"]}


async def candidate_by(client: httpx.AsyncClient, actor: Actor, q: str) -> list[dict[str, Any]]:
    response = await act(client, actor, "GET", CANDIDATES, params={"q": q})
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


async def count_applications(runtime: Runtime) -> int:
    async with runtime.db.engine.connect() as conn:
        query = select(func.count()).select_from(table_of(Application))
        return int((await conn.execute(query)).scalar_one())


GOOD_AND_BAD = csv_bytes(
    ["Name", "E-mail", "Phone", "Skills", "ATS", "ATS id", "Ignored column"],
    [
        [
            "Ada Lovelace",
            "ADA@example.com",
            "+44 20 7946 0958",
            "Math; Engines",
            "greenhouse",
            1,
            "x",
        ],
        ["Bob Bad Email", "not-an-email", "", "", "", "", ""],
        ["Cleo Bad Phone", "cleo@example.com", "12345", "", "", "", ""],
        ["", "nameless@example.com", "", "", "", "", ""],
        ["Eve Half Id", "eve@example.com", "", "", "greenhouse", "", ""],
        ["Fay Fine", "", "", "Go", "greenhouse", 7, ""],
    ],
)


# --- Good and bad rows ----------------------------------------------------------------------


async def test_good_rows_are_committed_and_bad_rows_reported_with_line_and_field(
    client, make_user: MakeUser, runtime: Runtime
):
    recruiter = await make_user(Role.RECRUITER)
    started = await upload(client, recruiter.headers, GOOD_AND_BAD, mapping=MAPPING)
    assert started.status_code == 202, started.text
    queued = started.json()
    assert started.headers["location"] == f"{IMPORTS}/{queued['id']}"
    assert (queued["status"], queued["file_format"], queued["file_name"]) == (
        "queued",
        "csv",
        "people.csv",
    )
    assert (queued["processed_rows"], queued["total_rows"], queued["errors"]) == (0, None, [])
    assert queued["mapping"] == MAPPING
    # Nothing happens before the worker runs.
    assert await count_candidates(runtime) == 0

    await Worker(runtime).run_until_idle()
    report = (await act(client, recruiter, "GET", f"{IMPORTS}/{queued['id']}")).json()
    assert report["status"] == "completed", report
    assert (report["processed_rows"], report["total_rows"]) == (6, 6)
    assert counts(report) == (2, 0, 0, 4)
    assert report["started_at"] is not None
    assert report["finished_at"] is not None
    assert report["failure"] is None
    assert errors_by_line(report) == {
        3: ["email"],
        4: ["phone"],
        5: ["full_name"],
        6: ["external_id"],
    }
    messages = {e["line"]: e["errors"][0]["message"] for e in report["errors"]}
    assert "email" in messages[3].lower()
    assert "phone" in messages[4].lower() or "number" in messages[4].lower()
    assert messages[5]
    assert "external_source" in messages[6]

    assert await count_candidates(runtime) == 2
    [ada] = await candidate_by(client, recruiter, "lovelace")
    assert (ada["email"], ada["phone"], ada["skills"]) == (
        "ada@example.com",
        "+442079460958",
        ["Math", "Engines"],
    )
    assert ada["external_ids"] == [{"source": "greenhouse", "external_id": "1"}]
    [fay] = await candidate_by(client, recruiter, "fay")
    assert (fay["email"], fay["external_ids"]) == (
        None,
        [{"source": "greenhouse", "external_id": "7"}],
    )
    assert await candidate_by(client, recruiter, "cleo") == []

    # The same file again creates nothing: the good rows are found and left unchanged.
    again = await run_import(client, runtime, recruiter, GOOD_AND_BAD, mapping=MAPPING)
    assert again["status"] == "completed"
    assert counts(again) == (0, 0, 2, 4)
    assert errors_by_line(again) == errors_by_line(report)
    assert await count_candidates(runtime) == 2
    # The ATS's id finds the candidate even when the e-mail changed; the change is applied.
    changed = csv_bytes(
        ["Name", "E-mail", "ATS", "ATS id"],
        [["Ada Lovelace", "ada@new.example", "greenhouse", 1]],
    )
    update = await run_import(client, runtime, recruiter, changed, mapping=MAPPING)
    assert counts(update) == (0, 1, 0, 0)
    [ada] = await candidate_by(client, recruiter, "lovelace")
    assert ada["email"] == "ada@new.example"
    assert await count_candidates(runtime) == 2


async def test_json_lines_with_bad_lines_reported_per_line(
    client, make_user: MakeUser, runtime: Runtime
):
    recruiter = await make_user(Role.RECRUITER)
    content = jsonl_bytes(
        {"full_name": "Ada Lovelace", "email": "ada@example.com", "skills": ["Math"]},
        b"{not json",
        b"",  # blank lines are skipped
        ["a", "list"],
        {"full_name": "Bob", "notice_period_days": -5},
        {"full_name": "Cleo", "external_source": "lever", "external_id": 55, "tags": "a; B"},
        b'"just a string"',
        {"full_name": "Dan", "email": "dan@example.com", "unknown_field": "ignored"},
    )
    report = await run_import(client, runtime, recruiter, content, name="people.jsonl")
    assert report["status"] == "completed", report
    assert report["file_format"] == "jsonl"
    assert counts(report) == (3, 0, 0, 4)
    assert errors_by_line(report) == {
        2: ["row"],
        4: ["row"],
        5: ["notice_period_days"],
        7: ["row"],
    }
    messages = {e["line"]: e["errors"][0]["message"] for e in report["errors"]}
    assert "JSON" in messages[2]
    assert "object" in messages[4]
    [cleo] = await candidate_by(client, recruiter, "cleo")
    assert cleo["external_ids"] == [{"source": "lever", "external_id": "55"}]
    assert cleo["tags"] == ["a", "b"]
    # Every good row names its candidate (an e-mail or an ATS id), so a re-run finds them all.
    again = await run_import(client, runtime, recruiter, content, name="people.ndjson")
    assert counts(again) == (0, 0, 3, 4)
    assert await count_candidates(runtime) == 3


async def test_the_format_can_be_given_and_a_mapping_renames_columns(
    client, make_user: MakeUser, runtime: Runtime
):
    recruiter = await make_user(Role.RECRUITER)
    content = csv_bytes(
        ["Full Name", "Mail", "LinkedIn profile", "Where"],
        [["Grace Hopper", "grace@example.com", "", "Arlington"]],
    )
    report = await run_import(
        client,
        runtime,
        recruiter,
        content,
        name="export.txt",
        format="csv",
        mapping={"Full Name": "full_name", "Mail": "email", "Where": "location"},
    )
    assert counts(report) == (1, 0, 0, 0), report
    [grace] = await candidate_by(client, recruiter, "grace")
    assert (grace["email"], grace["location"]) == ("grace@example.com", "Arlington")

    no_format = await upload(client, recruiter.headers, content, name="export.txt")
    assert no_format.status_code == 422
    assert [e["location"] for e in no_format.json()["errors"]] == ["body.format"]


async def test_imported_links_are_stored(client, make_user: MakeUser, runtime: Runtime):
    recruiter = await make_user(Role.RECRUITER)
    content = csv_bytes(
        ["full_name", "email", "linkedin", "github"],
        [["Grace Hopper", "grace@example.com", "https://www.linkedin.com/in/grace", ""]],
    )
    report = await run_import(client, runtime, recruiter, content)
    assert report["status"] == "completed", report
    assert counts(report) == (1, 0, 0, 0), report
    [grace] = await candidate_by(client, recruiter, "grace")
    assert grace["links"]["linkedin"] == "https://www.linkedin.com/in/grace"


async def test_a_row_that_conflicts_with_stored_data_leaves_no_trace(
    client, make_user: MakeUser, runtime: Runtime
):
    recruiter = await make_user(Role.RECRUITER)
    x = await act(
        client,
        recruiter,
        "PUT",
        f"{UPSERT}/greenhouse/100",
        json={"full_name": "Xavier", "email": "x@example.com"},
    )
    y = await act(
        client,
        recruiter,
        "PUT",
        f"{UPSERT}/greenhouse/200",
        json={"full_name": "Yara", "email": "y@example.com"},
    )
    assert (x.status_code, y.status_code) == (201, 201)
    content = jsonl_bytes(
        {"full_name": "New One", "email": "new1@example.com"},
        # The ATS says greenhouse:100 now has Yara's address: that cannot be stored.
        {
            "full_name": "Xavier Renamed",
            "email": "y@example.com",
            "location": "Mars",
            "external_source": "greenhouse",
            "external_id": "100",
        },
        {"full_name": "New Two", "email": "new2@example.com"},
    )
    report = await run_import(client, runtime, recruiter, content, name="sync.jsonl")
    assert report["status"] == "completed", report
    assert counts(report) == (2, 0, 0, 1)
    assert errors_by_line(report) == {2: ["row"]}
    assert report["errors"][0]["errors"][0]["message"]
    after = await act(client, recruiter, "GET", f"{CANDIDATES}/{x.json()['id']}")
    assert after.headers["etag"] == x.headers["etag"]
    assert (after.json()["full_name"], after.json()["email"], after.json()["location"]) == (
        "Xavier",
        "x@example.com",
        None,
    )
    assert await count_candidates(runtime) == 4
    assert len(await candidate_by(client, recruiter, "new")) == 2


async def test_an_email_of_a_candidate_under_another_external_id_is_reported(
    client, make_user: MakeUser, runtime: Runtime
):
    """As `PUT /candidates/by-external-id/greenhouse/999` answers 409 when the body's e-mail
    belongs to the candidate known as greenhouse:200, the import reports that row too instead
    of overwriting greenhouse:200 with it."""
    recruiter = await make_user(Role.RECRUITER)
    y = await act(
        client,
        recruiter,
        "PUT",
        f"{UPSERT}/greenhouse/200",
        json={"full_name": "Yara", "email": "y@example.com", "location": "Oslo"},
    )
    assert y.status_code == 201
    body = {"full_name": "Somebody Else", "email": "y@example.com", "location": "Lima"}
    by_put = await act(client, recruiter, "PUT", f"{UPSERT}/greenhouse/999", json=body)
    assert by_put.status_code == 409, by_put.text
    content = jsonl_bytes(
        {"full_name": "New One", "email": "new1@example.com"},
        {**body, "external_source": "greenhouse", "external_id": "999"},
    )
    report = await run_import(client, runtime, recruiter, content, name="sync.jsonl")
    assert report["status"] == "completed", report
    assert counts(report) == (1, 0, 0, 1), report
    assert errors_by_line(report) == {2: ["row"]}
    after = await act(client, recruiter, "GET", f"{CANDIDATES}/{y.json()['id']}")
    assert (after.json()["full_name"], after.json()["location"]) == ("Yara", "Oslo")
    assert after.json()["external_ids"] == [{"source": "greenhouse", "external_id": "200"}]


async def test_a_line_that_is_not_text_is_reported_and_the_rest_imported(
    client, make_user: MakeUser, runtime: Runtime
):
    recruiter = await make_user(Role.RECRUITER)
    content = (
        b"full_name,email\n"
        b"Ada Lovelace,ada@example.com\n"
        b"\xff\xfe\x00garbage\x80,bad@example.com\n"
        b"Bob Builder,bob@example.com\n"
    )
    report = await run_import(client, runtime, recruiter, content)
    assert report["status"] == "completed", report
    assert counts(report) == (2, 0, 0, 1), report
    assert list(errors_by_line(report)) == [3]


async def test_a_file_that_is_not_csv_at_all_is_reported_not_imported(
    client, make_user: MakeUser, runtime: Runtime
):
    recruiter = await make_user(Role.RECRUITER)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    report = await run_import(client, runtime, recruiter, png, name="photo.csv")
    assert report["status"] in ("completed", "failed"), report
    if report["status"] == "failed":
        assert report["failure"]
    else:
        assert report["error_count"] > 0
        assert report["created_count"] == 0
    assert await count_candidates(runtime) == 0


# --- Applying to an intake ----------------------------------------------------------------


async def test_intake_id_applies_each_imported_candidate_once(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await pipeline(client, make_user, with_plan=False)
    existing = await new_candidate(client, setting.recruiter, "Existing", email="old@example.com")
    content = csv_bytes(
        ["full_name", "email"],
        [
            ["Ada Lovelace", "ada@example.com"],
            ["Ada L.", "ADA@example.com"],  # the same person again
            ["Existing", "old@example.com"],
            ["Broken", "broken"],
        ],
    )
    report = await run_import(
        client, runtime, setting.recruiter, content, intake_id=setting.intake_id
    )
    assert report["status"] == "completed", report
    assert report["intake_id"] == setting.intake_id
    assert counts(report) == (1, 1, 1, 1), report
    listed = await act(
        client,
        setting.recruiter,
        "GET",
        APPLICATIONS,
        params={"intake_id": setting.intake_id},
    )
    rows = listed.json()["data"]
    assert len(rows) == 2
    assert {r["stage"] for r in rows} == {"applied"}
    assert {r["source"] for r in rows} == {"import"}
    assert existing["id"] in {r["candidate_id"] for r in rows}
    assert {r["recruiter_id"] for r in rows} == {str(setting.recruiter.id)}
    history = await act(client, setting.recruiter, "GET", f"{APPLICATIONS}/{rows[0]['id']}/history")
    assert [(h["to_stage"], h["by_user_id"]) for h in history.json()["data"]] == [
        ("applied", str(setting.recruiter.id))  # the import acts for whoever uploaded it
    ]

    again = await run_import(
        client, runtime, setting.recruiter, content, intake_id=setting.intake_id
    )
    assert again["status"] == "completed"
    assert await count_applications(runtime) == 2

    # A closed application does not block a new one on the next import.
    rejected = await act(
        client,
        setting.recruiter,
        "POST",
        f"{APPLICATIONS}/{rows[0]['id']}/reject",
        json={"reason_code": "other"},
    )
    assert rejected.status_code == 200
    await run_import(client, runtime, setting.recruiter, content, intake_id=setting.intake_id)
    assert await count_applications(runtime) == 3

    unknown = await upload(
        client,
        setting.recruiter.headers,
        content,
        intake_id="00000000-0000-0000-0000-000000000000",
    )
    assert unknown.status_code == 422
    assert [e["location"] for e in unknown.json()["errors"]] == ["body.intake_id"]


async def test_importing_into_an_intake_needs_the_same_rights_as_applying(
    client, make_user: MakeUser, runtime: Runtime
):
    """A recruiter off the intake's team cannot add applications to it one by one (422 "no
    such intake"), so not in bulk either; nor can anyone add them to a draft intake."""
    setting = await pipeline(client, make_user, with_plan=False)
    outsider = await make_user(Role.RECRUITER)
    content = csv_bytes(["full_name", "email"], [["Ada Lovelace", "ada@example.com"]])
    response = await upload(client, outsider.headers, content, intake_id=setting.intake_id)
    if response.status_code == 202:
        await Worker(runtime).run_until_idle()
    assert response.status_code == 422, response.text
    assert await count_applications(runtime) == 0

    draft = await pipeline(
        client, make_user, with_plan=False, agreed=False, recruiter=setting.recruiter
    )
    response = await upload(client, setting.recruiter.headers, content, intake_id=draft.intake_id)
    if response.status_code == 202:
        await Worker(runtime).run_until_idle()
    assert response.status_code in (409, 422), response.text
    assert await count_applications(runtime) == 0


async def test_an_intake_that_closes_before_the_import_runs_gets_no_applications(
    client, make_user: MakeUser, runtime: Runtime
):
    """The rule of `POST /applications` holds when the worker applies the rows, not only at
    upload: the people are imported, the report says why they were not applied."""
    setting = await pipeline(client, make_user, with_plan=False)
    content = csv_bytes(
        ["full_name", "email"],
        [["Ada Lovelace", "ada@example.com"], ["Grace Hopper", "grace@example.com"]],
    )
    started = await upload(client, setting.recruiter.headers, content, intake_id=setting.intake_id)
    assert started.status_code == 202, started.text
    cancelled = await act(
        client, setting.recruiter, "POST", f"/api/v1/intakes/{setting.intake_id}/cancel"
    )
    assert cancelled.status_code == 200, cancelled.text
    await Worker(runtime).run_until_idle()
    report = (
        await act(client, setting.recruiter, "GET", f"{IMPORTS}/{started.json()['id']}")
    ).json()
    assert report["status"] == "completed"
    assert counts(report) == (2, 0, 0, 0)
    assert report["errors"] == [
        {
            "line": None,
            "errors": [
                {
                    "field": "intake_id",
                    "message": "the intake is cancelled and takes no candidates; "
                    "the candidates were imported without applications",
                }
            ],
        }
    ]
    assert await count_applications(runtime) == 0


# --- Mapping, access and limits -----------------------------------------------------------


async def test_mappings_must_name_known_fields(client, make_user: MakeUser, runtime: Runtime):
    recruiter = await make_user(Role.RECRUITER)
    content = csv_bytes(["Name"], [["Ada"]])
    unknown = await upload(
        client, recruiter.headers, content, mapping={"Name": "full_name", "Pay": "salary"}
    )
    assert unknown.status_code == 422, unknown.text
    assert [e["location"] for e in unknown.json()["errors"]] == ["body.mapping.salary"]
    for raw in ("not json", "[1, 2]", '{"Name": 5}'):
        response = await client.post(
            IMPORTS,
            headers=recruiter.headers,
            files={"file": ("people.csv", content, "text/csv")},
            data={"mapping": raw},
        )
        assert response.status_code == 422, (raw, response.text)
        assert [e["location"] for e in response.json()["errors"]] == ["body.mapping"]
    missing_file = await client.post(IMPORTS, headers=recruiter.headers, data={"format": "csv"})
    assert missing_file.status_code == 422
    await Worker(runtime).run_until_idle()
    assert await count_candidates(runtime) == 0


async def test_only_recruiters_admins_and_writing_keys_import(
    client, make_user: MakeUser, make_api_key: MakeApiKey, runtime: Runtime
):
    content = csv_bytes(["full_name"], [["Ada"]])
    for role in (Role.HIRING_MANAGER, Role.INTERVIEWER):
        actor = await make_user(role)
        assert (await upload(client, actor.headers, content)).status_code == 403
    reader = await make_api_key("candidates:read")
    assert (await upload(client, reader.headers(), content)).status_code == 403
    writer = await make_api_key("candidates:write")
    started = await upload(client, writer.headers(), content)
    assert started.status_code == 202, started.text
    await Worker(runtime).run_until_idle()
    report = await client.get(f"{IMPORTS}/{started.json()['id']}", headers=writer.headers())
    assert report.status_code == 200
    assert report.json()["created_count"] == 1
    assert (
        await client.get(f"{IMPORTS}/{started.json()['id']}", headers=reader.headers())
    ).status_code == 403
    admin = await make_user(Role.ADMIN)
    assert (await upload(client, admin.headers, content)).status_code == 202
    missing = await act(client, admin, "GET", f"{IMPORTS}/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


async def test_uploads_over_the_limit_are_a_413(
    make_auth_app: AppFactory, make_user: MakeUser, runtime: Runtime
):
    small = await make_auth_app(max_upload_bytes=2048)
    recruiter = await make_user(Role.RECRUITER)
    big = csv_bytes(
        ["full_name", "email"], [[f"Person {n}", f"p{n}@example.com"] for n in range(200)]
    )
    assert len(big) > 2048
    tiny = csv_bytes(["full_name"], [["Ada"]])
    async with asgi_client(small) as http:
        refused = await upload(http, recruiter.headers, big)
        assert refused.status_code == 413, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        accepted = await upload(http, recruiter.headers, tiny)
        assert accepted.status_code == 202, accepted.text
    assert await count_candidates(runtime) == 0


# --- Volume -------------------------------------------------------------------------------


async def test_ten_thousand_rows_import(
    client, make_user: MakeUser, runtime: Runtime, backend, record_property: Any
):
    recruiter = await make_user(Role.RECRUITER)
    rows = [
        [
            f"Person {n:05d}",
            f"person{n:05d}@example.com",
            f"+31 6 {10000000 + n}",
            "Python; SQL",
            "bulk",
            n,
        ]
        for n in range(10_000)
    ]
    content = csv_bytes(list(MAPPING), rows)
    # Run the periodic jobs now, so that the worker below runs the import alone.
    await Worker(runtime).run_until_idle()
    started_at = time.perf_counter()
    started = await upload(client, recruiter.headers, content, mapping=MAPPING)
    assert started.status_code == 202, started.text
    await Worker(runtime).run_until_idle()
    elapsed = time.perf_counter() - started_at
    report = (await act(client, recruiter, "GET", f"{IMPORTS}/{started.json()['id']}")).json()
    record_property("import_seconds", round(elapsed, 2))
    print(f"\n10,000-row import on {backend.name}: {elapsed:.2f} s")  # noqa: T201
    assert report["status"] == "completed", report
    assert (report["total_rows"], report["processed_rows"]) == (10_000, 10_000)
    assert counts(report) == (10_000, 0, 0, 0)
    assert await count_candidates(runtime) == 10_000
    [last] = await candidate_by(client, recruiter, "person09999@")
    assert last["external_ids"] == [{"source": "bulk", "external_id": "9999"}]


async def test_writes_during_a_long_import_do_not_fail(
    make_auth_app: AppFactory, make_user: MakeUser
):
    """An import commits batch after batch; other writers (API requests, other jobs) must get
    their turn in between rather than time out with "database is locked" (SQLite)."""
    application = await make_auth_app(sqlite_busy_timeout_ms=5000)
    worker_runtime: Runtime = application.state.runtime
    recruiter = await make_user(Role.RECRUITER)
    rows = [
        [f"Person {n:05d}", f"person{n:05d}@example.com", "", "", "bulk", n] for n in range(2000)
    ]
    content = csv_bytes(list(MAPPING), rows)
    async with asgi_client(application) as http:
        await Worker(worker_runtime).run_until_idle()  # the periodic jobs, out of the way
        started = await upload(http, recruiter.headers, content, mapping=MAPPING)
        assert started.status_code == 202, started.text
        url = f"{IMPORTS}/{started.json()['id']}"
        running = asyncio.create_task(Worker(worker_runtime).run_until_idle())
        try:
            for _ in range(400):
                progress = (await http.get(url, headers=recruiter.headers)).json()
                if progress["status"] != "queued":
                    break
                await asyncio.sleep(0.025)
            assert progress["status"] == "running", progress
            outcomes = []
            for n in range(3):
                response = await http.post(
                    CANDIDATES, headers=recruiter.headers, json={"full_name": f"Walk-in {n}"}
                )
                outcomes.append(response.status_code)
        finally:
            await running
        report = (await http.get(url, headers=recruiter.headers)).json()
    assert outcomes == [201, 201, 201]
    assert report["status"] == "completed", report
    assert report["created_count"] == 2000


async def test_uploads_go_through_the_s3_backend_so_api_and_worker_need_no_shared_disk(
    make_app, make_user: MakeUser, s3: S3Server, tmp_path
):
    """The API stores the upload in the bucket; a worker with another data directory (no
    shared disk) reads it back from there."""
    bucket = new_bucket(s3)
    api = await make_app(**s3.settings(bucket))
    worker_app = await make_app(storage_dir=tmp_path / "elsewhere", **s3.settings(bucket))
    actor = await make_user(Role.RECRUITER)
    content = csv_bytes(["Name", "E-mail"], [["Ada Lovelace", "ada-s3@example.com"]])
    async with asgi_client(api) as http:
        started = await upload(http, actor.headers, content, mapping=MAPPING)
        assert started.status_code == 202, started.text
        await Worker(worker_app.state.runtime).run_until_idle()
        report = await act(http, actor, "GET", f"{IMPORTS}/{started.json()['id']}")
    assert report.json()["status"] == "completed", report.text
    assert counts(report.json()) == (1, 0, 0, 0)
    # The upload was in the bucket (the worker read it there) and is deleted once imported.
    listed = s3_client(api.state.runtime.settings).list_objects_v2(Bucket=bucket)
    assert listed.get("Contents", []) == []


# --- Hostile lines: each is an error of its own line; the rest is imported ----------------


def _no_python_internals(report: dict[str, Any]) -> None:
    text = orjson.dumps(report).decode()
    for word in ("Error:", "RecursionError", "ValueError", "Traceback", "4300 digits", "_csv"):
        assert word not in text, word


async def test_an_oversized_csv_field_is_an_error_of_its_line(
    client, make_user: MakeUser, runtime: Runtime
):
    recruiter = await make_user(Role.RECRUITER)
    good = [[f"Person {n}", f"person{n}@example.com"] for n in range(1200)]
    huge = [["Huge " + "x" * (200 * 1024), "huge@example.com"]]
    after = [["Last Person", "last@example.com"]]
    content = csv_bytes(["full_name", "email"], good + huge + after)
    report = await run_import(client, runtime, recruiter, content)
    assert report["status"] == "completed", report
    assert counts(report) == (1201, 0, 0, 1), report
    assert report["errors"] == [
        {"line": 1202, "errors": [{"field": "row", "message": "a field is longer than 128 KiB"}]}
    ]
    assert report["failure"] is None
    _no_python_internals(report)


async def test_hostile_json_lines_are_errors_of_their_lines(
    client, make_user: MakeUser, runtime: Runtime
):
    recruiter = await make_user(Role.RECRUITER)
    deep = b'{"full_name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    long_number = b'{"full_name": "Big", "notice_period_days": ' + b"9" * 5000 + b"}"
    content = jsonl_bytes(
        {"full_name": "Ada Lovelace", "email": "ada@example.com"},
        deep,
        long_number,
        {"full_name": "Bob Builder", "email": "bob@example.com"},
    )
    report = await run_import(client, runtime, recruiter, content, name="people.jsonl")
    assert report["status"] == "completed", report
    assert counts(report) == (2, 0, 0, 2), report
    assert list(errors_by_line(report)) == [2, 3]
    assert report["failure"] is None
    _no_python_internals(report)
