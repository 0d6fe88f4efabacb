"""Coverage of the stage's planned questions and competencies, and the candidate's evidence
per competency: the parts of the analysis that compare sentences through a matching engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.services.transcripts.matching import Matcher, shortlisted_similarity
from app.services.transcripts.segments import QUOTE_CHARS, Segment, Sentence, seconds

EVIDENCE_PASSAGES = 3


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
