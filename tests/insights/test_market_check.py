"""Occupation suggestions for an intake's title, and the intake market check against known
BLS OEWS May 2024 rows: positions among the percentiles, top-coded and suppressed rows, period
conversion, currency mismatch, warnings, access."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.roles import Role
from tests.support.harness import Actor, MakeApiKey
from tests.support.intakes import BASE, act, intake_body


async def make_intake(client: Any, actors: dict[Role, Actor], **fields: Any) -> str:
    body = intake_body(None, actors[Role.HIRING_MANAGER], **{"currency": "USD", **fields})
    response = await act(client, actors[Role.RECRUITER], "POST", BASE, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def market_check(client: Any, actor: Actor, intake_id: str) -> dict[str, Any]:
    response = await act(client, actor, "GET", f"{BASE}/{intake_id}/market-check")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(check: dict[str, Any]) -> list[str]:
    return [w["code"] for w in check["warnings"]]


@pytest.mark.parametrize(
    ("title", "soc_code"),
    [
        ("Senior Backend Engineer", "15-1252"),
        ("Account Executive", "41-3091"),
        ("Staff Nurse", "29-1141"),
        ("Registered Nurse (ICU)", "29-1141"),
        ("Lead Data Scientist", "15-2051"),
        ("Family Medicine Physician", "29-1215"),
    ],
)
async def test_suggestions_rank_the_right_occupation_first(client, actors, title, soc_code):
    intake_id = await make_intake(client, actors, title=title, soc_code=None)
    response = await act(
        client, actors[Role.HIRING_MANAGER], "GET", f"{BASE}/{intake_id}/occupation-suggestions"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["title"] == title
    assert body["soc_code"] is None
    assert body["dataset"]["name"] == "BLS OEWS national, May 2024"
    best = body["data"][0]
    assert best["soc_code"] == soc_code, body["data"][:3]
    assert best["confidence"] >= 0.85
    assert all(s["soc_level"] == "detailed" for s in body["data"])
    confidences = [s["confidence"] for s in body["data"]]
    assert confidences == sorted(confidences, reverse=True)
    assert len(body["data"]) <= 5


async def test_suggestions_for_a_title_nothing_matches(client, actors):
    intake_id = await make_intake(client, actors, title="Qzxv Plonk", soc_code=None)
    response = await act(
        client, actors[Role.RECRUITER], "GET", f"{BASE}/{intake_id}/occupation-suggestions?limit=3"
    )
    assert response.status_code == 200
    assert response.json()["data"] == []
    check = await market_check(client, actors[Role.RECRUITER], intake_id)
    assert check["occupation"] is None
    assert "occupation_unknown" in codes(check)
    assert check["summary"] == "No occupation to compare with."


async def test_software_developers_pay_inside_the_market(client, actors):
    intake_id = await make_intake(client, actors, salary_min=100000, salary_max=140000)
    check = await market_check(client, actors[Role.RECRUITER], intake_id)
    assert check["occupation"]["soc_code"] == "15-1252"
    assert check["occupation_source"] == "intake"
    assert check["suggestion_confidence"] is None
    assert check["employment"] == 1654440
    # 100,000 lies between p10 (79,850) and p25 (103,050); 140,000 between the median
    # (133,080) and p75 (169,000): linear interpolation places them at p23 and p55.
    assert check["pay"]["min"] == {
        "value": 100000,
        "percentile": 23,
        "lower": 10,
        "upper": 25,
        "label": "p23",
    }
    assert check["pay"]["max"]["percentile"] == 55
    assert check["pay"]["max"]["label"] == "p55"
    assert check["pay"]["conversion"] is None
    assert check["summary"] == (
        "Max is at p55, min is at p23 for Software Developers (15-1252), "
        "BLS OEWS national, May 2024."
    )
    assert check["warnings"] == []
    assert check["must_have_count"] == 1


async def test_max_below_the_median(client, actors):
    intake_id = await make_intake(client, actors, salary_min=90000, salary_max=120000)
    check = await market_check(client, actors[Role.RECRUITER], intake_id)
    assert codes(check) == ["pay_max_below_median"]
    [warning] = check["warnings"]
    assert "120,000 USD" in warning["message"]
    assert "133,080 USD" in warning["message"]
    assert check["pay"]["max"]["label"] == "p39"


async def test_range_entirely_below_p25(client, actors):
    intake_id = await make_intake(client, actors, salary_min=70000, salary_max=100000)
    check = await market_check(client, actors[Role.RECRUITER], intake_id)
    assert codes(check) == ["pay_range_below_p25", "pay_max_below_median"]
    assert check["pay"]["min"]["label"] == "below p10"
    assert check["pay"]["min"]["percentile"] is None
    assert check["summary"].startswith("Max is at p23, min is below p10")


@pytest.mark.parametrize(
    ("period", "low", "high", "annual", "conversion", "labels"),
    [
        ("hour", 50, 70, (104000, 145600), "hourly pay x 2,080 hours a year", ("p26", "p59")),
        ("month", 8000, 12500, (96000, 150000), "monthly pay x 12", ("p20", "p62")),
    ],
)
async def test_hourly_and_monthly_pay_are_converted_with_a_2080_hour_year(
    client, actors, period, low, high, annual, conversion, labels
):
    intake_id = await make_intake(
        client, actors, salary_min=low, salary_max=high, pay_period=period
    )
    check = await market_check(client, actors[Role.RECRUITER], intake_id)
    pay = check["pay"]
    assert (pay["salary_min"], pay["salary_max"], pay["pay_period"]) == (low, high, period)
    assert (pay["min"]["value"], pay["max"]["value"]) == annual
    assert (pay["min"]["label"], pay["max"]["label"]) == labels
    assert pay["conversion"] == conversion
    assert codes(check) == ["pay_period_converted"]


async def test_another_currency_is_not_compared(client, actors):
    intake_id = await make_intake(client, actors, currency="EUR")
    check = await market_check(client, actors[Role.RECRUITER], intake_id)
    assert codes(check) == ["cannot_compare_currency"]
    assert "does not convert currencies" in check["warnings"][0]["message"]
    assert check["pay"]["min"] is None
    assert check["pay"]["max"] is None
    assert check["occupation"]["soc_code"] == "15-1252"
    assert check["employment"] == 1654440
    assert check["summary"].startswith("The pay range is not compared with Software Developers")


@pytest.mark.parametrize(
    ("soc_code", "low", "high", "min_label", "max_label", "warnings"),
    [
        # Chief Executives: median 206,420; p75 and p90 at least 239,200.
        ("11-1011", 150000, 250000, "p32", "p50 or above", []),
        ("11-1011", 150000, 220000, "p32", "between p50 and p75", []),
        ("11-1011", 90000, 200000, "p15", "p48", ["pay_max_below_median"]),
        # Family Medicine Physicians: median 238,380; p75 and p90 at least 239,200.
        ("29-1215", 200000, 239000, "p36", "between p50 and p75", []),
        ("29-1215", 150000, 230000, "p22", "p47", ["pay_max_below_median"]),
        # Anesthesiologists: the median itself is top-coded, so 230,000 is below it.
        ("29-1211", 180000, 230000, "p23", "between p25 and p50", ["pay_max_below_median"]),
    ],
)
async def test_top_coded_occupations(
    client, actors, soc_code, low, high, min_label, max_label, warnings
):
    intake_id = await make_intake(
        client, actors, soc_code=soc_code, salary_min=low, salary_max=high
    )
    check = await market_check(client, actors[Role.RECRUITER], intake_id)
    assert check["occupation"]["wages_status"] == "top_coded"
    assert check["occupation"]["p90"]["at_least"] == 239200
    assert (check["pay"]["min"]["label"], check["pay"]["max"]["label"]) == (min_label, max_label)
    assert codes(check) == warnings


async def test_a_suppressed_occupation_has_no_annual_figure(client, actors):
    intake_id = await make_intake(client, actors, soc_code="27-2011", title="Actor")
    check = await market_check(client, actors[Role.RECRUITER], intake_id)
    assert check["occupation"]["wages_status"] == "not_available"
    assert check["employment"] > 0
    assert codes(check) == ["no_market_pay"]
    assert check["warnings"][0]["message"].startswith("No annual figure exists for Actors")
    assert check["pay"]["min"] is None
    assert check["pay"]["max"] is None


async def test_too_many_must_haves_and_no_pay_range(client, actors):
    must = [{"item": f"Skill {n}"} for n in range(6)]
    intake_id = await make_intake(
        client, actors, must_haves=must, salary_min=None, salary_max=None, currency=None
    )
    check = await market_check(client, actors[Role.RECRUITER], intake_id)
    assert check["must_have_count"] == 6
    assert codes(check) == ["no_pay_range", "too_many_must_haves"]
    assert "6 must-haves" in check["warnings"][1]["message"]


async def test_a_code_the_dataset_lacks(client, actors):
    intake_id = await make_intake(client, actors, soc_code="99-9999")
    check = await market_check(client, actors[Role.RECRUITER], intake_id)
    assert check["occupation"] is None
    assert codes(check) == ["occupation_not_in_dataset"]


async def test_without_a_soc_code_the_confident_title_match_is_used(client, actors):
    intake_id = await make_intake(
        client, actors, title="Staff Nurse", soc_code=None, salary_min=80000, salary_max=95000
    )
    check = await market_check(client, actors[Role.HIRING_MANAGER], intake_id)
    assert check["occupation"]["soc_code"] == "29-1141"
    assert check["occupation_source"] == "suggested"
    assert check["suggestion_confidence"] == 1.0
    assert codes(check) == ["occupation_suggested"]
    assert "Registered Nurses (29-1141)" in check["warnings"][0]["message"]


async def test_access_is_the_intakes(client, actors, make_user, make_api_key: MakeApiKey):
    intake_id = await make_intake(client, actors)
    paths = [f"{BASE}/{intake_id}/market-check", f"{BASE}/{intake_id}/occupation-suggestions"]
    outsider = await make_user(Role.RECRUITER)
    reader = await make_api_key("intakes:read")
    market_only = await make_api_key("insights:read")
    for path in paths:
        for actor in (actors[Role.RECRUITER], actors[Role.HIRING_MANAGER], actors[Role.ADMIN]):
            assert (await act(client, actor, "GET", path)).status_code == 200
        for actor in (outsider, actors[Role.INTERVIEWER]):
            hidden = await act(client, actor, "GET", path)
            assert hidden.status_code == 404, path
            assert hidden.headers["content-type"] == "application/problem+json"
        assert (await client.get(path, headers=reader.headers())).status_code == 200
        assert (await client.get(path, headers=market_only.headers())).status_code == 403
    missing = await act(
        client,
        actors[Role.ADMIN],
        "GET",
        f"{BASE}/0190c8a4-7d7e-7000-8000-000000000000/market-check",
    )
    assert missing.status_code == 404
    bad = await act(client, actors[Role.ADMIN], "GET", f"{BASE}/not-a-uuid/market-check")
    assert bad.status_code == 422
