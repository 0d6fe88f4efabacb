"""Transcript segments and sentences, the units every analysis counts in."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

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
    """One cue of the transcript with the side its speaker is mapped to."""

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
    """One sentence of a segment."""

    segment: Segment
    text: str


def seconds(ms: int) -> float:
    """Milliseconds as seconds, to the millisecond."""
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
