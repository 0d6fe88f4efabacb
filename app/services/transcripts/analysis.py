"""The analysis of a transcript: talk share, monologues, questions, coverage of the stage's plan
and competencies, risky topics, interruptions, and the candidate's evidence per competency.

Pure functions of the segments, the speaker map and the stage: no database. Every number names
the segments (by `position`) it was computed from; docs/transcripts.md defines each one.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.services.transcripts.matching import Matcher, shortlisted_similarity
from app.services.transcripts.risky_topics import find_risky

INTERRUPTION_MIN_OVERLAP_MS = 300
EVIDENCE_PASSAGES = 3
QUOTE_CHARS = 400

_SENTENCE = re.compile(r"[^.?!]+[.?!]*")
_OPEN_START = re.compile(
    r"^(?:\W*(?:so|and|okay|ok|now|great|right|well|then)\W+)*"
    r"(?:what|how|why|tell me|talk me|walk me|describe|explain|share|give me|"
    r"could you (?:tell|walk|talk|describe|explain|share|give)|"
    r"can you (?:tell|walk|talk|describe|explain|share|give)|"
    r"would you (?:tell|walk|talk|describe|explain|share)|in what way|what's)\b",
    re.IGNORECASE,
)
_CLOSED_START = re.compile(
    r"^(?:\W*(?:so|and|okay|ok|now|great|right|well|then)\W+)*"
    r"(?:is|are|was|were|do|does|did|have|has|had|can|could|will|would|should|shall|may|"
    r"any|who|where|when|which|isn't|aren't|don't|didn't)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Segment:
    position: int
    start_ms: int
    end_ms: int
    speaker: str
    text: str
    side: str  # candidate | interviewer | unknown
    user_id: str | None

    @property
    def ms(self) -> int:
        return max(self.end_ms - self.start_ms, 0)


@dataclass(frozen=True, slots=True)
class Sentence:
    segment: Segment
    text: str


def seconds(ms: int) -> float:
    return round(ms / 1000, 3)


def sentences(segments: Iterable[Segment]) -> list[Sentence]:
    """Each segment split into sentences."""
    out = []
    for segment in segments:
        for match in _SENTENCE.finditer(segment.text):
            text = match.group(0).strip()
            if len(text) > 1:
                out.append(Sentence(segment, text))
    return out


def question_kind(text: str) -> str | None:
    """`open`, `closed`, or None when the sentence is not a question."""
    if _OPEN_START.match(text):
        return "open"
    if text.rstrip().endswith("?"):
        return "closed" if _CLOSED_START.match(text) else "open"
    return None


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


def _best(scores: list[float]) -> tuple[int, float]:
    index = max(range(len(scores)), key=scores.__getitem__) if scores else -1
    return index, (scores[index] if index >= 0 else 0.0)


def plan_coverage(
    stage: dict[str, Any], asked: Sequence[Sentence], matcher: Matcher
) -> list[dict[str, Any]]:
    """For each planned question: the interviewer question most like it, its score, asked?"""
    planned = stage.get("questions") or []
    scores = matcher.similarity([q["text"] for q in planned], [s.text for s in asked])
    out = []
    for question, row in zip(planned, scores, strict=True):
        index, score = _best(row)
        match = asked[index] if index >= 0 else None
        hit = match is not None and score >= matcher.threshold
        out.append(
            {
                "question_id": question.get("id"),
                "text": question["text"],
                "competency_id": question.get("competency_id"),
                "asked": hit,
                "score": round(score, 4),
                "segment": match.segment.position if match else None,
                "quote": match.text if match else None,
                "start": seconds(match.segment.start_ms) if match else None,
            }
        )
    return out


def competency_text(competency: dict[str, Any], stage: dict[str, Any]) -> str:
    """What a competency is about: its name, description, rubric and its questions."""
    parts = [competency.get("name") or "", competency.get("description") or ""]
    parts += [str(v) for v in (competency.get("rubric") or {}).values()]
    for question in stage.get("questions") or []:
        if question.get("competency_id") == competency.get("id"):
            parts += [question["text"], question.get("what_good_looks_like") or ""]
    return " ".join(p for p in parts if p)


def competency_coverage(
    stage: dict[str, Any],
    coverage: Sequence[dict[str, Any]],
    asked: Sequence[Sentence],
    matcher: Matcher,
) -> list[dict[str, Any]]:
    """Per competency: planned questions asked, or an interviewer sentence about it."""
    competencies = stage.get("competencies") or []
    direct = matcher.similarity(
        [c.get("name") or "" for c in competencies], [s.text for s in asked]
    )
    out = []
    for competency, row in zip(competencies, direct, strict=True):
        mine = [c for c in coverage if c["competency_id"] == competency["id"]]
        hits = [c for c in mine if c["asked"]]
        index, score = _best(row)
        named = index >= 0 and score >= matcher.threshold
        segments = sorted(
            {c["segment"] for c in hits} | ({asked[index].segment.position} if named else set())
        )
        out.append(
            {
                "competency_id": competency["id"],
                "name": competency.get("name"),
                "planned_questions": len(mine),
                "asked_questions": len(hits),
                "covered": bool(hits) or named,
                "score": round(max([score, *(c["score"] for c in hits)]), 4),
                "segments": segments,
            }
        )
    return out


def answers_to(position: int, segments: Sequence[Segment]) -> list[Segment]:
    """The candidate's segments after an interviewer's segment, up to the next interviewer."""
    out: list[Segment] = []
    started = False
    for s in segments:
        if s.position == position:
            started = True
            continue
        if not started:
            continue
        if s.side == "interviewer":
            if out:
                break
            continue
        if s.side == "candidate":
            out.append(s)
    return out


def evidence(
    stage: dict[str, Any],
    coverage: Sequence[dict[str, Any]],
    segments: Sequence[Segment],
    matcher: Matcher,
) -> list[dict[str, Any]]:
    """Per competency, the candidate's passages most relevant to it: answers to its questions
    first, then the candidate segments most similar to what the competency is about."""
    spoken = [s for s in segments if s.side == "candidate"]
    competencies = stage.get("competencies") or []
    similar = shortlisted_similarity(
        matcher, [competency_text(c, stage) for c in competencies], [s.text for s in spoken]
    )
    out = []
    for competency, row in zip(competencies, similar, strict=True):
        passages: list[dict[str, Any]] = []
        used: set[int] = set()
        for item in coverage:
            if item["competency_id"] == competency["id"] and item["asked"]:
                answer = answers_to(item["segment"], segments)
                if answer:
                    passages.append(_passage(answer, item["score"]))
                    used |= {s.position for s in answer}
        ranked = sorted(range(len(spoken)), key=lambda i: -row[i])
        for i in ranked:
            if len(passages) >= EVIDENCE_PASSAGES or row[i] < matcher.threshold / 2:
                break
            if spoken[i].position not in used:
                passages.append(_passage([spoken[i]], row[i]))
                used.add(spoken[i].position)
        out.append(
            {
                "competency_id": competency["id"],
                "name": competency.get("name") or "",
                "passages": passages[:EVIDENCE_PASSAGES],
            }
        )
    return out


def _passage(run: Sequence[Segment], score: float) -> dict[str, Any]:
    text = " ".join(s.text for s in run)
    quote = text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return {
        "segments": [s.position for s in run],
        "quote": quote,
        "start": seconds(run[0].start_ms),
        "end": seconds(run[-1].end_ms),
        "score": round(score, 4),
    }


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
