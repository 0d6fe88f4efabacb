"""Coaching for interviewers, from the analyses of their transcripts: per interview (what went
well, what to improve, with the numbers) and per interviewer over time (trends in talk share,
plan coverage, flagged topics and evaluation timeliness, by plan stage beside their training).

The thresholds are the common interview-intelligence guidance, documented in
docs/transcripts.md: interviewers talk at most a third to a half of the time, ask most planned
questions, prefer open questions, keep monologues short and stay off risky topics.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import mean
from typing import Any

from app.models.interviews import Interview
from app.models.transcripts import Transcript

GOOD_CANDIDATE_SHARE = 0.6
HIGH_INTERVIEWER_SHARE = 0.5
GOOD_COVERAGE = 0.8
LOW_COVERAGE = 0.6
GOOD_OPEN_SHARE = 0.6
LOW_OPEN_SHARE = 0.4
LONG_MONOLOGUE_SECONDS = 90.0
MANY_INTERRUPTIONS = 2


def _point(
    code: str, message: str, value: float | None = None, segments: Any = ()
) -> dict[str, Any]:
    return {"code": code, "message": message, "value": value, "segments": list(segments)}


def coverage_ratio(analysis: dict[str, Any]) -> float | None:
    """Planned questions asked ÷ planned (None when the stage plans none)."""
    planned = analysis.get("plan_coverage") or []
    return round(sum(1 for q in planned if q["asked"]) / len(planned), 4) if planned else None


def interviewer_numbers(analysis: dict[str, Any], user_id: str) -> dict[str, Any]:
    """One interviewer's numbers in one analysed interview."""
    talk = analysis.get("talk_share") or {}
    mine = [p for p in talk.get("participants", []) if p.get("user_id") == user_id]
    asked = [
        q for q in (analysis.get("questions") or {}).get("items", []) if q["user_id"] == user_id
    ]
    open_count = sum(1 for q in asked if q["kind"] == "open")
    longest = max((p["longest_monologue"] for p in mine), key=lambda m: m["seconds"], default=None)
    interruptions = (analysis.get("interruptions") or {}).get("items", [])
    return {
        "talk_share": round(sum(p["share"] for p in mine), 4) if mine else None,
        "interviewers_talk_share": talk.get("interviewers"),
        "candidate_talk_share": talk.get("candidate"),
        "questions": asked,
        "open_question_share": round(open_count / len(asked), 4) if asked else None,
        "longest_monologue": longest,
        "risky_topics": [r for r in analysis.get("risky_topics", []) if r["user_id"] == user_id],
        "interruptions": [i for i in interruptions if i["user_id"] == user_id],
        "plan_coverage": coverage_ratio(analysis),
    }


def _talk_points(n: dict[str, Any], went_well: list[Any], to_improve: list[Any]) -> None:
    candidate, panel = n["candidate_talk_share"], n["interviewers_talk_share"]
    if candidate is not None and candidate >= GOOD_CANDIDATE_SHARE:
        went_well.append(
            _point(
                "candidate_talk_share",
                f"The candidate spoke {candidate:.0%} of the time.",
                candidate,
            )
        )
    if panel is not None and panel > HIGH_INTERVIEWER_SHARE:
        to_improve.append(
            _point(
                "interviewer_talk_share",
                f"Interviewers spoke {panel:.0%} of the time; aim for well under half.",
                panel,
            )
        )
    longest = n["longest_monologue"]
    if longest and longest["seconds"] > LONG_MONOLOGUE_SECONDS:
        to_improve.append(
            _point(
                "long_monologue",
                f"You spoke for {longest['seconds']:.0f} s without a break at "
                f"{_clock(longest['start'])}; hand over sooner.",
                longest["seconds"],
                longest["segments"],
            )
        )


def _plan_points(
    analysis: dict[str, Any], n: dict[str, Any], went_well: list[Any], to_improve: list[Any]
) -> None:
    ratio = n["plan_coverage"]
    planned = analysis.get("plan_coverage") or []
    asked_segments = [q["segment"] for q in planned if q["asked"]]
    if ratio is not None and ratio >= GOOD_COVERAGE:
        went_well.append(
            _point(
                "plan_coverage",
                f"The panel asked {ratio:.0%} of the planned questions.",
                ratio,
                asked_segments,
            )
        )
    elif ratio is not None and ratio < LOW_COVERAGE:
        missed = "; ".join(q["text"] for q in planned if not q["asked"])[:500]
        to_improve.append(
            _point(
                "plan_coverage",
                f"Only {ratio:.0%} of the planned questions were asked. Missed: {missed}",
                ratio,
                asked_segments,
            )
        )
    share = n["open_question_share"]
    segments = [q["segment"] for q in n["questions"]]
    if share is not None and share >= GOOD_OPEN_SHARE:
        went_well.append(
            _point("open_questions", f"{share:.0%} of your questions were open.", share, segments)
        )
    elif share is not None and share < LOW_OPEN_SHARE and len(n["questions"]) >= 3:
        to_improve.append(
            _point(
                "open_questions",
                f"Only {share:.0%} of your questions were open; ask what, how and why more.",
                share,
                segments,
            )
        )


def _conduct_points(n: dict[str, Any], went_well: list[Any], to_improve: list[Any]) -> None:
    for risky in n["risky_topics"]:
        topic = risky["category"].replace("_", " ")
        to_improve.append(
            _point(
                f"risky_topic.{risky['category']}",
                f"At {_clock(risky['start'])} you asked about {topic}: "
                f"“{risky['quote']}”. Leave this topic out of interviews.",
                None,
                [risky["segment"]],
            )
        )
    if not n["risky_topics"]:
        went_well.append(_point("no_risky_topics", "No risky topics were raised by you."))
    if len(n["interruptions"]) >= MANY_INTERRUPTIONS:
        to_improve.append(
            _point(
                "interruptions",
                f"You talked over someone {len(n['interruptions'])} times.",
                len(n["interruptions"]),
                [i["segment"] for i in n["interruptions"]],
            )
        )


def interview_report(interview: Interview, transcript: Transcript) -> dict[str, Any]:
    """For each interviewer of the panel: what went well and what to improve."""
    analysis = transcript.analysis
    out = []
    for member in interview.panel:
        numbers = interviewer_numbers(analysis, str(member["user_id"]))
        went_well: list[dict[str, Any]] = []
        to_improve: list[dict[str, Any]] = []
        _talk_points(numbers, went_well, to_improve)
        _plan_points(analysis, numbers, went_well, to_improve)
        _conduct_points(numbers, went_well, to_improve)
        out.append(
            {
                "user_id": member["user_id"],
                "role": member["role"],
                "went_well": went_well,
                "to_improve": to_improve,
            }
        )
    return {"interview_id": interview.id, "engine": transcript.engine, "interviewers": out}


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def trend(metric: str, values: Sequence[float | None]) -> dict[str, Any]:
    """The mean of the recent half against the earlier half (chronological values)."""
    known = [v for v in values if v is not None]
    half = len(known) // 2
    earlier = round(mean(known[:half]), 4) if half else None
    recent = round(mean(known[half:]), 4) if known[half:] else None
    change = round(recent - earlier, 4) if earlier is not None and recent is not None else None
    return {"metric": metric, "earlier": earlier, "recent": recent, "change": change}
