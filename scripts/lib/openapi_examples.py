"""Write app/data/openapi_examples.json: request and response examples of the core operations,
taken from a live demo server (so they are real answers), lists cut to one item, and request
bodies projected from those answers onto the create schemas (so request and answer agree).

Run `.venv/bin/python scripts/lib/openapi_examples.py` after a change to the demo or to a core
schema;
tests/platform/test_contract_walk.py validates every example against the document.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx
from demo_server import ROOT, DemoServer, demo_server

from app.schemas.candidates import CandidateCreate
from app.schemas.intakes import IntakeCreate

OUT = ROOT / "app" / "data" / "openapi_examples.json"
API = "/api/v1"


def _get(http: httpx.Client, path: str, headers: dict[str, str]) -> Any:
    response = http.get(API + path, headers=headers)
    response.raise_for_status()
    return response.json()


def _one(page: dict[str, Any]) -> dict[str, Any]:
    return {**page, "data": page["data"][:1], "next_cursor": None, "has_more": False}


def _page_of(item: dict[str, Any]) -> dict[str, Any]:
    return {"data": [item], "next_cursor": None, "has_more": False}


def _project(item: dict[str, Any], fields: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The item's values for the fields a create schema takes (unset and empty ones left out)."""
    kept = (k for k in fields if k in item and k not in skip)
    return {k: item[k] for k in kept if item[k] not in (None, [], {})}


def _interviewer_objects(http: httpx.Client, server: DemoServer) -> dict[str, Any]:
    """The demo interviewer's submitted evaluation and the interview, application, intake and
    candidate it belongs to, read by the recruiter (the full view) and the interviewer."""
    mine, staff = server.headers("interviewer"), server.headers("recruiter")
    evaluations = _get(http, "/me/evaluations?limit=50", mine)["data"]
    evaluation = next(e for e in evaluations if e["status"] == "submitted")
    interview = _get(http, f"/interviews/{evaluation['interview_id']}", staff)
    application = _get(http, f"/applications/{interview['application_id']}", staff)
    return {
        "evaluation": _get(http, f"/evaluations/{evaluation['id']}", mine),
        "interview": interview,
        "application": application,
        "intake": _get(http, f"/intakes/{application['intake_id']}", staff),
        "candidate": _get(http, f"/candidates/{application['candidate_id']}", staff),
        "summary": _get(http, f"/candidates/{application['candidate_id']}", mine),
    }


def _requests(found: dict[str, Any]) -> dict[str, Any]:
    interview, application = found["interview"], found["application"]
    evaluation = found["evaluation"]
    intake = _project(
        found["intake"], IntakeCreate.model_fields, skip=("recruiter_id", "external_ids")
    )
    # The recruiter and hiring manager join the team by their own fields.
    intake["team"] = [
        {"user_id": m["user_id"], "team_role": m["team_role"]}
        for m in intake.get("team", [])
        if m["team_role"] in ("coordinator", "interviewer")
    ]
    return {
        "intakes_create": IntakeCreate.model_validate(intake).model_dump(
            mode="json", exclude_unset=True
        ),
        "candidates_create": CandidateCreate.model_validate(
            _project(found["candidate"], CandidateCreate.model_fields, skip=("view",))
        ).model_dump(mode="json", exclude_unset=True),
        "applications_create": {
            "candidate_id": application["candidate_id"],
            "intake_id": application["intake_id"],
            "source": application["source"] or "referral",
        },
        "interviews_create": {
            **_project(interview, ("application_id", "stage_id", "starts_at", "ends_at")),
            **_project(interview, ("timezone", "location", "video_url")),
            "interviewers": [
                {"user_id": p["user_id"], "role": p["role"]} for p in interview["interviewers"]
            ],
        },
        "evaluations_update": {
            "ratings": [
                {k: r[k] for k in ("competency_id", "rating", "not_assessed", "notes")}
                for r in evaluation["ratings"]
            ],
            "recommendation": evaluation["recommendation"],
            "summary": evaluation["summary"],
        },
    }


def collect(server: DemoServer) -> dict[str, Any]:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        found = _interviewer_objects(http, server)
    requests = _requests(found)
    full, summary = found["candidate"], found["summary"]
    responses: dict[str, dict[str, Any]] = {
        "intakes_create": {"201": found["intake"]},
        "intakes_get": {"200": found["intake"]},
        "intakes_list": {"200": _page_of(found["intake"])},
        "candidates_create": {"201": full},
        "candidates_get": {"200": {"full": full, "summary": summary}},
        "candidates_list": {"200": {"full": _page_of(full), "summary": _page_of(summary)}},
        "applications_create": {"201": found["application"]},
        "applications_get": {"200": found["application"]},
        "applications_list": {"200": _page_of(found["application"])},
        "interviews_create": {"201": found["interview"]},
        "interviews_get": {"200": found["interview"]},
        "interviews_list": {"200": _page_of(found["interview"])},
        "evaluations_get": {"200": found["evaluation"]},
        "evaluations_list": {"200": _page_of(found["evaluation"])},
        "evaluations_update": {"200": found["evaluation"]},
    }
    out: dict[str, Any] = {}
    for op, answers in responses.items():
        out[op] = {"responses": {status: _media(answer) for status, answer in answers.items()}}
        if op in requests:
            out[op]["request"] = requests[op]
    return out


def _media(answer: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI media-type object: one `example`, or named `examples` (one per view)."""
    if set(answer) == {"full", "summary"}:
        return {
            "examples": {
                "full": {"summary": "Recruiters, hiring managers, admins", "value": answer["full"]},
                "summary": {"summary": "Interviewers", "value": answer["summary"]},
            }
        }
    return {"example": answer}


def main() -> int:
    with demo_server() as server:
        examples = collect(server)
    OUT.write_text(json.dumps(examples, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(examples)} operations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
