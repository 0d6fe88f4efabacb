"""Market data: the shipped BLS OEWS May 2024 table as the default dataset, occupations with
top-coded and missing figures said plainly, ranked title search, access."""

from __future__ import annotations

import hashlib
import importlib.util
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from app.core.migrations import PROJECT_ROOT
from app.core.roles import Role

BASE = "/api/v1/market"
BLS_FILE = "bls_oews_national_2024.csv"


def _migration() -> Any:
    path = next((PROJECT_ROOT / "alembic" / "versions").glob("*_market_data.py"))
    spec = importlib.util.spec_from_file_location("market_migration", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_table_matches_its_provenance_note_and_checksum():
    data = resources.files("app.data").joinpath("market", BLS_FILE).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    note = Path(str(resources.files("app.data").joinpath("market", "PROVENANCE.md"))).read_text()
    assert digest in note
    assert digest == _migration().BLS_SHA256
    assert data.count(b"\n") == 1397  # header + 1,396 occupations


def test_a_changed_table_is_refused(monkeypatch):
    migration = _migration()
    monkeypatch.setattr(migration, "BLS_SHA256", "0" * 64)
    with pytest.raises(RuntimeError, match="SHA-256"):
        migration._bls_rows()


async def test_the_bls_table_is_the_default_dataset(client, actors):
    response = await client.get(f"{BASE}/datasets", headers=actors[Role.INTERVIEWER].headers)
    assert response.status_code == 200, response.text
    [dataset] = response.json()["data"]
    assert dataset["name"] == "BLS OEWS national, May 2024"
    assert dataset["is_default"]
    assert dataset["builtin"]
    assert dataset["row_count"] == 1396
    assert dataset["status"] == "ready"
    assert (dataset["currency"], dataset["period"], dataset["area"]) == (
        "USD",
        "year",
        "United States",
    )
    assert dataset["top_code_floor"] == 239200
    assert dataset["checksum_sha256"] == _migration().BLS_SHA256


async def test_software_developers_have_every_figure(client, actors):
    response = await client.get(
        f"{BASE}/occupations/15-1252", headers=actors[Role.HIRING_MANAGER].headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "Software Developers"
    assert body["soc_level"] == "detailed"
    assert body["employment"] == 1654440
    assert body["wages_status"] == "published"
    assert body["wages_note"] is None
    values = {k: body[k]["value"] for k in ("mean", "p10", "p25", "median", "p75", "p90")}
    assert values == {
        "mean": 144570,
        "p10": 79850,
        "p25": 103050,
        "median": 133080,
        "p75": 169000,
        "p90": 211450,
    }
    assert body["median"] == {
        "value": 133080,
        "at_least": None,
        "top_coded": False,
        "text": "133,080",
    }
    assert body["dataset"]["release"] == "May 2024"


@pytest.mark.parametrize(
    ("soc_code", "published", "top_coded"),
    [
        (
            "11-1011",
            {"mean": 262930, "p10": 73710, "p25": 126080, "median": 206420},
            ["p75", "p90"],
        ),
        (
            "29-1215",
            {"mean": 256830, "p10": 81330, "p25": 167580, "median": 238380},
            ["p75", "p90"],
        ),
        ("29-1243", {"p10": 189720}, ["p25", "median", "p75", "p90"]),
    ],
)
async def test_top_coded_figures_are_at_least_the_floor(
    client, actors, soc_code, published, top_coded
):
    response = await client.get(
        f"{BASE}/occupations/{soc_code}", headers=actors[Role.RECRUITER].headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["wages_status"] == "top_coded"
    for field, value in published.items():
        assert body[field]["value"] == value, field
        assert not body[field]["top_coded"]
    for field in top_coded:
        assert body[field] == {
            "value": None,
            "at_least": 239200,
            "top_coded": True,
            "text": "at least 239,200",
        }, field
    assert "at least 239,200" in body["wages_note"]


async def test_a_suppressed_row_says_no_annual_figure_exists(client, actors):
    response = await client.get(f"{BASE}/occupations/27-2011", headers=actors[Role.ADMIN].headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == "Actors"
    assert body["wages_status"] == "not_available"
    assert body["employment"] > 0
    assert body["wages_note"].startswith("No annual figure exists for Actors")
    for field in ("mean", "p10", "p25", "median", "p75", "p90"):
        assert body[field] == {
            "value": None,
            "at_least": None,
            "top_coded": False,
            "text": "not published",
        }


async def test_unknown_and_malformed_codes(client, actors):
    headers = actors[Role.RECRUITER].headers
    missing = await client.get(f"{BASE}/occupations/99-9999", headers=headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    bad = await client.get(f"{BASE}/occupations/software", headers=headers)
    assert bad.status_code == 422
    other = await client.get(
        f"{BASE}/occupations/15-1252",
        params={"dataset_id": "0190c8a4-7d7e-7000-8000-000000000000"},
        headers=headers,
    )
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("query", "soc_code"),
    [
        ("Software Developer", "15-1252"),
        ("software engineer", "15-1252"),
        ("Senior Backend Engineer", "15-1252"),
        ("Account Executive", "41-3091"),
        ("Staff Nurse", "29-1141"),
        ("registered nurses", "29-1141"),
        ("Chief Executive", "11-1011"),
        ("Family Medicine Physician", "29-1215"),
        ("Data Scientist", "15-2051"),
        ("Accountant", "13-2011"),
        ("Sr. Marketing Mgr", "11-2021"),
    ],
)
async def test_search_ranks_the_expected_occupation_first(client, actors, query, soc_code):
    response = await client.get(
        f"{BASE}/occupations", params={"q": query}, headers=actors[Role.INTERVIEWER].headers
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data[0]["soc_code"] == soc_code, data[:3]
    scores = [item["score"] for item in data]
    assert scores == sorted(scores, reverse=True)
    assert 0 < scores[-1] <= scores[0] <= 100


async def test_search_pages_through_the_ranking(client, actors):
    headers = actors[Role.RECRUITER].headers
    params = {"q": "engineer", "limit": 3}
    first = await client.get(f"{BASE}/occupations", params=params, headers=headers)
    body = first.json()
    assert len(body["data"]) == 3
    assert body["has_more"]
    assert 'rel="next"' in first.headers["link"]
    second = await client.get(
        f"{BASE}/occupations", params={**params, "cursor": body["next_cursor"]}, headers=headers
    )
    assert second.status_code == 200
    everything = await client.get(
        f"{BASE}/occupations", params={"q": "engineer", "limit": 6}, headers=headers
    )
    codes = [i["soc_code"] for i in everything.json()["data"]]
    assert [i["soc_code"] for i in body["data"] + second.json()["data"]] == codes
    # A cursor is bound to its search.
    other = await client.get(
        f"{BASE}/occupations",
        params={"q": "nurse", "limit": 3, "cursor": body["next_cursor"]},
        headers=headers,
    )
    assert other.status_code == 422


async def test_search_with_nothing_to_match(client, actors):
    headers = actors[Role.RECRUITER].headers
    empty = await client.get(f"{BASE}/occupations", params={"q": "xyzzy"}, headers=headers)
    assert empty.status_code == 200
    assert empty.json() == {"data": [], "next_cursor": None, "has_more": False}
    for q in ("!!!", "", "a" * 201):
        bad = await client.get(f"{BASE}/occupations", params={"q": q}, headers=headers)
        assert bad.status_code == 422, q
        assert bad.headers["content-type"] == "application/problem+json"


async def test_listing_without_a_query_goes_by_soc_code(client, actors):
    headers = actors[Role.HIRING_MANAGER].headers
    seen: list[str] = []
    params: dict[str, str | int] = {"level": "major", "limit": 10}
    while True:
        response = await client.get(f"{BASE}/occupations", params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["soc_code"] for item in body["data"]]
        assert all(item["score"] is None for item in body["data"])
        if not body["has_more"]:
            break
        params["cursor"] = body["next_cursor"]
    assert len(seen) == 22
    assert seen == sorted(seen)
    assert all(re.fullmatch(r"\d{2}-0000", code) for code in seen)


async def test_access_people_and_api_keys(client, actors, make_api_key):
    path = f"{BASE}/occupations/15-1252"
    for role in Role:
        assert (await client.get(path, headers=actors[role].headers)).status_code == 200
    assert (await client.get(path)).status_code == 401
    without = await make_api_key("intakes:read")
    refused = await client.get(path, headers=without.headers())
    assert refused.status_code == 403
    assert refused.json()["required_scope"] == "insights:read"
    with_scope = await make_api_key("insights:read")
    assert (await client.get(path, headers=with_scope.headers())).status_code == 200
    search = await client.get(
        f"{BASE}/occupations", params={"q": "nurse"}, headers=with_scope.headers()
    )
    assert search.status_code == 200


async def test_malformed_list_parameters_are_422(client, actors):
    headers = actors[Role.RECRUITER].headers
    for params in (
        {"q": "nurse", "cursor": "garbage"},
        {"cursor": "garbage"},
        {"level": "tiny"},
        {"dataset_id": "not-a-uuid"},
        {"q": "nurse", "limit": 0},
        {"q": "nurse", "limit": 201},
        {"q": "nurse\x00"},
    ):
        response = await client.get(f"{BASE}/occupations", params=params, headers=headers)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    odd = await client.get(
        f"{BASE}/occupations", params={"q": "Ingénieur logiciel 日本"}, headers=headers
    )
    assert odd.status_code == 200
