"""Values for the path parameters of the API's read operations, found on a demo server over
HTTP (the objects the demo interviewer sees, so every role reads real objects)."""

from __future__ import annotations

import re
from typing import Any

import httpx

API = "/api/v1"
# Values for the query parameters an operation requires.
REQUIRED_QUERY: dict[str, Any] = {"q": "design", "from": 1, "to": 1}


def _get(http: httpx.Client, path: str, headers: dict[str, str]) -> Any:
    response = http.get(API + path, headers=headers)
    response.raise_for_status()
    return response.json()


def _interview_with_transcript(http: httpx.Client, mine: dict[str, str]) -> dict[str, Any]:
    for interview in _get(http, "/interviews?limit=200", mine)["data"]:
        if http.get(f"{API}/interviews/{interview['id']}/transcript", headers=mine).is_success:
            return dict(interview)
    raise SystemExit("the demo interviewer sits on no interview with a transcript")


def _first(http: httpx.Client, path: str, headers: dict[str, str]) -> str | None:
    data = _get(http, path, headers)["data"]
    return str(data[0]["id"]) if data else None


def discover(http: httpx.Client, headers: dict[str, dict[str, str]]) -> dict[str, str]:
    """Path parameter name -> value (parameters without an object in the demo are left out)."""
    mine, admin, staff = headers["interviewer"], headers["admin"], headers["recruiter"]
    interview = _interview_with_transcript(http, mine)
    evaluation = next(
        e
        for e in _get(http, "/me/evaluations?limit=200", mine)["data"]
        if e["interview_id"] == interview["id"]
    )
    application = _get(http, f"/applications/{interview['application_id']}", mine)
    intake = _get(http, f"/intakes/{interview['intake_id']}", staff)
    found: dict[str, str | None] = {
        "interview_id": interview["id"],
        "evaluation_id": evaluation["id"],
        "competency_id": evaluation["competencies"][0]["id"],
        "application_id": application["id"],
        "candidate_id": application["candidate_id"],
        "intake_id": intake["id"],
        "plan_id": interview["plan_id"],
        "stage_id": interview["stage_id"],
        "user_id": intake["hiring_manager_id"],
        "training_id": _first(http, "/training", mine),
        "question_id": _first(http, "/intake-questions", admin),
        "api_client_id": _first(http, "/api-clients", admin),
        "exercise_id": _first(http, "/calibration-exercises", admin),
        "comment_id": _first(http, f"/intakes/{intake['id']}/comments", staff),
        "revision": "1",
        "version": "1",
    }
    return {k: v for k, v in found.items() if v is not None}


def _typed(parameter: dict[str, Any], value: Any) -> Any:
    return int(value) if parameter.get("schema", {}).get("type") == "integer" else value


def read_operations(spec: dict[str, Any], ids: dict[str, str]) -> list[dict[str, Any]]:
    """Every GET of the document whose path parameters have values: operation id, path, the
    path and required query parameters (typed as declared), and the media types of its 200."""
    out = []
    for path, item in spec["paths"].items():
        operation = item.get("get")
        names = re.findall(r"\{([a-z_]+)\}", path)
        if operation is None or any(n not in ids for n in names):
            continue
        declared = [p for p in operation.get("parameters", []) if "$ref" not in p]
        path_params = {p["name"]: _typed(p, ids[p["name"]]) for p in declared if p["in"] == "path"}
        query = {
            p["name"]: _typed(p, REQUIRED_QUERY[p["name"]])
            for p in declared
            if p["in"] == "query" and p.get("required")
        }
        ok = operation["responses"].get("200", {}).get("content", {})
        read = {
            "operation_id": operation["operationId"],
            "path": path,
            "params": path_params,
            "query": query,
            "media": sorted(ok),
        }
        out.append(read)
        out += _format_variants(read, declared)
    return out


def _format_variants(read: dict[str, Any], declared: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One more read per text value of a `format` query parameter (Markdown, HTML), whose
    answer is that media type alone."""
    media = {"markdown": "text/markdown", "html": "text/html"}
    out = []
    for parameter in declared:
        schema = parameter.get("schema", {})
        values = schema.get("enum") or [
            v for s in schema.get("anyOf", []) for v in s.get("enum", [])
        ]
        if parameter["name"] != "format":
            continue
        for value in values:
            if value in media and media[value] in read["media"]:
                query = {**read["query"], "format": value}
                out.append({**read, "query": query, "media": [media[value]]})
    return out
