"""Organisations' own market datasets: CSV upload, validated and loaded by the worker with
per-row errors, read like the shipped table, made the default for market checks."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.roles import Role
from app.platform.runtime import Runtime
from app.worker import Worker
from tests.support.harness import Actor, MakeApiKey
from tests.support.intakes import BASE as INTAKES
from tests.support.intakes import act, intake_body

DATASETS = "/api/v1/market/datasets"
FORM = {
    "name": "Pay survey NL 2025",
    "source": "Our own survey",
    "release": "2025",
    "area": "Netherlands",
    "currency": "eur",
    "top_code_floor": "150000",
}
# The BLS file's own column names work too (group, annual_mean, annual_p10, ...).
HEADER = b"soc_code,title,group,employment,annual_mean,annual_p10,annual_p25,annual_median,"
GOOD_AND_BAD = (
    HEADER
    + b"""annual_p75,annual_p90
15-1252,Software Developers,detailed,"52,000",78000,52000,61000,72000,88000,105000
11-1011,Chief Executives,detailed,900,180000,90000,120000,140000,#,#
27-2011,Actors,detailed,1200,*,*,*,*,*,*
15-125,Bad Code,detailed,10,1,1,1,1,1,1
29-1141,Registered Nurses,detailed,many,50000,40000,45000,abc,55000,60000
15-2051,Data Scientists,detailed,100,70000,60000,65000,64000,80000,90000
15-1252,Software Developers again,detailed,1,1,1,1,1,1,1
27-2031,Dancers,detailed,5,*,1000,,,,
,,,,,,,,,
13-2011,Accountants and Auditors,,30000,60000,,,58000,,
"""
)


async def upload(
    client: httpx.AsyncClient, headers: dict[str, str], content: bytes, **form: str
) -> httpx.Response:
    return await client.post(
        DATASETS,
        headers=headers,
        files={"file": ("survey.csv", content, "text/csv")},
        data={**FORM, **form},
    )


async def imported(
    client: httpx.AsyncClient, runtime: Runtime, admin: Actor, content: bytes, **form: str
) -> dict[str, Any]:
    started = await upload(client, admin.headers, content, **form)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "importing"
    assert started.headers["location"] == f"{DATASETS}/{started.json()['id']}"
    await Worker(runtime).run_until_idle()
    report = await client.get(started.headers["location"], headers=admin.headers)
    assert report.status_code == 200, report.text
    body: dict[str, Any] = report.json()
    return body


async def test_good_rows_load_and_bad_rows_are_reported(client, runtime, admin, actors):
    report = await imported(client, runtime, admin, GOOD_AND_BAD)
    assert report["status"] == "ready"
    assert (report["row_count"], report["error_count"]) == (4, 5)
    problems = {
        e["line"]: [(p["field"], p["message"]) for p in e["errors"]] for e in report["errors"]
    }
    assert problems == {
        5: [("soc_code", "must be a SOC code such as 15-1252")],
        6: [("employment", "must be a whole number"), ("median", "not a number")],
        7: [("median", "is below p25")],
        8: [("soc_code", "repeats the SOC code of line 2")],
        9: [("row", "`*` (no figure) with other wage figures")],
    }
    assert report["is_default"] is False
    assert report["builtin"] is False
    assert len(report["checksum_sha256"]) == 64
    # The shipped table is still the default; the new one is read by its id.
    headers = actors[Role.INTERVIEWER].headers
    params = {"dataset_id": report["id"]}
    developers = await client.get(
        "/api/v1/market/occupations/15-1252", params=params, headers=headers
    )
    body = developers.json()
    assert (body["employment"], body["median"]["value"], body["currency"]) == (52000, 72000, "EUR")
    assert body["dataset"]["name"] == "Pay survey NL 2025"
    chiefs = await client.get("/api/v1/market/occupations/11-1011", params=params, headers=headers)
    assert chiefs.json()["p75"]["text"] == "at least 150,000"
    actors_row = await client.get(
        "/api/v1/market/occupations/27-2011", params=params, headers=headers
    )
    assert actors_row.json()["wages_status"] == "not_available"
    accountants = await client.get(
        "/api/v1/market/occupations/13-2011", params=params, headers=headers
    )
    assert accountants.json()["p25"]["text"] == "not published"
    search = await client.get(
        "/api/v1/market/occupations", params={**params, "q": "software engineer"}, headers=headers
    )
    assert search.json()["data"][0]["soc_code"] == "15-1252"
    default = await client.get("/api/v1/market/occupations/15-1252", headers=headers)
    assert default.json()["dataset"]["name"] == "BLS OEWS national, May 2024"


async def test_a_made_default_dataset_drives_the_market_check(client, runtime, admin, actors):
    report = await imported(client, runtime, admin, GOOD_AND_BAD, make_default="true")
    assert report["is_default"] is True
    listed = await client.get(DATASETS, headers=admin.headers)
    defaults = [d["name"] for d in listed.json()["data"] if d["is_default"]]
    assert defaults == ["Pay survey NL 2025"]
    body = intake_body(None, actors[Role.HIRING_MANAGER], salary_min=61000, salary_max=80000)
    created = await act(client, actors[Role.RECRUITER], "POST", INTAKES, json=body)
    check = await act(
        client, actors[Role.RECRUITER], "GET", f"{INTAKES}/{created.json()['id']}/market-check"
    )
    assert check.status_code == 200, check.text
    result = check.json()
    # The intake pays in EUR, as this dataset does: now it can be compared.
    assert result["dataset"]["name"] == "Pay survey NL 2025"
    assert (result["pay"]["min"]["label"], result["pay"]["max"]["label"]) == ("p25", "p63")
    assert result["warnings"] == []
    # And back to the shipped table.
    builtin = next(d for d in listed.json()["data"] if d["builtin"])
    switched = await client.post(f"{DATASETS}/{builtin['id']}/make-default", headers=admin.headers)
    assert switched.status_code == 200, switched.text
    assert switched.json()["is_default"] is True
    again = await act(
        client, actors[Role.RECRUITER], "GET", f"{INTAKES}/{created.json()['id']}/market-check"
    )
    assert [w["code"] for w in again.json()["warnings"]] == ["cannot_compare_currency"]


async def test_a_file_without_the_needed_columns_fails(client, runtime, admin):
    report = await imported(client, runtime, admin, b"code,name\n15-1252,Developers\n")
    assert report["status"] == "failed"
    assert report["errors"] == [
        {"line": 1, "errors": [{"field": "header", "message": "needs soc_code, title"}]}
    ]
    not_text = await imported(client, runtime, admin, b"\xff\xfe\x00bad")
    assert not_text["status"] == "failed"
    top_coded = await imported(
        client, runtime, admin, b"soc_code,title,p90\n15-1252,Dev,#\n", top_code_floor=""
    )
    assert top_coded["status"] == "failed"
    assert top_coded["errors"][0]["errors"] == [
        {"field": "p90", "message": "`#` needs the dataset's floor"}
    ]
    failed = await client.post(f"{DATASETS}/{report['id']}/make-default", headers=admin.headers)
    assert failed.status_code == 404


async def test_bad_uploads_and_access(client, admin, actors, make_api_key: MakeApiKey):
    for role in (Role.RECRUITER, Role.HIRING_MANAGER, Role.INTERVIEWER):
        refused = await upload(client, actors[role].headers, GOOD_AND_BAD)
        assert refused.status_code == 403
    reader = await make_api_key("insights:read")
    assert (await upload(client, reader.headers(), GOOD_AND_BAD)).status_code == 403
    writer = await make_api_key("insights:write")
    assert (await upload(client, writer.headers(), GOOD_AND_BAD)).status_code == 202
    for bad in ({"currency": "XYZ"}, {"name": ""}, {"period": "week"}, {"top_code_floor": "-1"}):
        response = await upload(client, admin.headers, GOOD_AND_BAD, **bad)
        assert response.status_code == 422, bad
        assert response.headers["content-type"] == "application/problem+json"
    no_file = await client.post(DATASETS, headers=admin.headers, data=FORM)
    assert no_file.status_code == 422
    missing = await client.get(
        f"{DATASETS}/0190c8a4-7d7e-7000-8000-000000000000", headers=admin.headers
    )
    assert missing.status_code == 404
