"""The analysis of a transcript: talk share, monologues, questions, coverage of the stage's plan
and competencies, risky topics, interruptions, and the candidate's evidence per competency.

Pure functions of the segments, the speaker map and the stage: no database. Every number names
the segments (by `position`) it was computed from; docs/transcripts.md defines each one.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from typing import Any

from app.services.transcripts.coverage import competency_coverage, evidence, plan_coverage
from app.services.transcripts.matching import Matcher
from app.services.transcripts.risky_topics import find_risky
from app.services.transcripts.segments import (
    Segment,
    Sentence,
    question_kind,
    seconds,
    sentences,
)

INTERRUPTION_MIN_OVERLAP_MS = 300


def talk_share(segments: Sequence[Segment]) -> dict[str, Any]:
    """Seconds and share of all talk per speaker and per side."""
    total = sum(s.ms for s in segments) or 1
    people: dict[str, dict[str, Any]] = {}
    sides = {"candidate": 0, "interviewer": 0, "unknown": 0}
    for s in segments:
        person = people.setdefault(
            s.speaker,
            {"speaker": s.speaker, "side": s.side, "user_id": s.user_id, "ms": 0, "segments": []},
        )
        person["ms"] += s.ms
        person["segments"].append(s.position)
        sides[s.side] += s.ms
    longest: dict[str, list[Segment]] = {}
    for run in monologues(segments):
        held = longest.get(run[0].speaker)
        if held is None or _span(run) > _span(held):
            longest[run[0].speaker] = run
    participants = [
        {
            "speaker": p["speaker"],
            "side": p["side"],
            "user_id": p["user_id"],
            "seconds": seconds(p["ms"]),
            "share": round(p["ms"] / total, 4),
            "segments": p["segments"],
            "longest_monologue": run_summary(longest[p["speaker"]]),
        }
        for p in sorted(people.values(), key=lambda p: -p["ms"])
    ]
    return {
        "total_seconds": seconds(sum(s.ms for s in segments)),
        "candidate": round(sides["candidate"] / total, 4),
        "interviewers": round(sides["interviewer"] / total, 4),
        "unknown": round(sides["unknown"] / total, 4),
        "participants": participants,
    }


def _span(run: list[Segment]) -> int:
    return run[-1].end_ms - run[0].start_ms


def monologues(segments: Sequence[Segment]) -> list[list[Segment]]:
    """Runs of consecutive segments by the same speaker."""
    runs: list[list[Segment]] = []
    for s in segments:
        if runs and runs[-1][-1].speaker == s.speaker:
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


def run_summary(run: list[Segment]) -> dict[str, Any]:
    first, last = run[0], run[-1]
    return {
        "speaker": first.speaker,
        "side": first.side,
        "user_id": first.user_id,
        "start": seconds(first.start_ms),
        "end": seconds(last.end_ms),
        "seconds": seconds(last.end_ms - first.start_ms),
        "segments": [s.position for s in run],
    }


def longest_monologue(segments: Sequence[Segment]) -> dict[str, Any]:
    """The longest uninterrupted run per side (candidate, interviewers)."""
    best: dict[str, list[Segment]] = {}
    for run in monologues(segments):
        side = run[0].side
        length = run[-1].end_ms - run[0].start_ms
        if side not in best or length > best[side][-1].end_ms - best[side][0].start_ms:
            best[side] = run
    return {
        "candidate": run_summary(best["candidate"]) if "candidate" in best else None,
        "interviewers": run_summary(best["interviewer"]) if "interviewer" in best else None,
    }


def questions(asked: Sequence[Sentence]) -> dict[str, Any]:
    """Questions interviewers asked, open or closed."""
    items = []
    for sentence in asked:
        kind = question_kind(sentence.text)
        if kind is None:
            continue
        items.append(
            {
                "segment": sentence.segment.position,
                "speaker": sentence.segment.speaker,
                "user_id": sentence.segment.user_id,
                "start": seconds(sentence.segment.start_ms),
                "text": sentence.text,
                "kind": kind,
            }
        )
    open_count = sum(1 for q in items if q["kind"] == "open")
    return {
        "total": len(items),
        "open": open_count,
        "closed": len(items) - open_count,
        "open_share": round(open_count / len(items), 4) if items else None,
        "items": items,
    }


def interruptions(segments: Sequence[Segment], timed: bool) -> dict[str, Any]:
    """A segment that starts at least 0.3 s before the previous speaker's segment ends."""
    items: list[dict[str, Any]] = []
    if timed:
        for previous, current in itertools.pairwise(segments):
            overlap = previous.end_ms - current.start_ms
            if current.speaker != previous.speaker and overlap >= INTERRUPTION_MIN_OVERLAP_MS:
                items.append(
                    {
                        "segment": current.position,
                        "interrupted_segment": previous.position,
                        "speaker": current.speaker,
                        "side": current.side,
                        "user_id": current.user_id,
                        "start": seconds(current.start_ms),
                        "overlap_seconds": seconds(overlap),
                    }
                )
    by_side = {"candidate": 0, "interviewer": 0, "unknown": 0}
    for item in items:
        by_side[str(item["side"])] += 1
    return {"available": timed, "count": len(items), "by_side": by_side, "items": items}


def risky_topics(asked: Sequence[Sentence], *, salary_history: bool) -> list[dict[str, Any]]:
    """Risky topics raised by interviewers, from the curated phrase list."""
    found = []
    for sentence in asked:
        for match in find_risky(sentence.text, salary_history=salary_history):
            found.append(
                {
                    "category": match.category,
                    "quote": sentence.text,
                    "start": seconds(sentence.segment.start_ms),
                    "segment": sentence.segment.position,
                    "speaker": sentence.segment.speaker,
                    "user_id": sentence.segment.user_id,
                    "phrase": match.phrase,
                }
            )
    return found


def analyse(
    segments: Sequence[Segment],
    stage: dict[str, Any],
    matcher: Matcher,
    *,
    timed: bool,
    salary_history: bool = True,
) -> dict[str, Any]:
    """Everything the analysis endpoint returns, as plain JSON-ready values."""
    said = sentences(s for s in segments if s.side == "interviewer")
    # Planned questions are asked as questions: statements ("Switching to code.") never count.
    asked = [s for s in said if question_kind(s.text) is not None]
    coverage = plan_coverage(stage, asked, matcher)
    return {
        "engine": matcher.name,
        "timed": timed,
        "talk_share": talk_share(segments),
        "longest_monologue": longest_monologue(segments),
        "questions": questions(said),
        "plan_coverage": coverage,
        "competency_coverage": competency_coverage(stage, coverage, asked, matcher),
        "risky_topics": risky_topics(said, salary_history=salary_history),
        "interruptions": interruptions(segments, timed),
        "evidence": evidence(stage, coverage, segments, matcher),
    }


def user_uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None
