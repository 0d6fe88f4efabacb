"""Reading transcript files into cues: WebVTT (as Zoom, Microsoft Teams and Google Meet export
it), SRT, plain `Speaker: text` lines, and JSON segments. A malformed file is a 422 that names
the line (or, for JSON, the segment).

Speakers come from WebVTT voice tags (`<v Jane Doe>`, Teams) or a `Name:` prefix (Zoom, Meet,
SRT, plain text); a cue without either continues the previous speaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson
import srt
import webvtt
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from webvtt.vtt import WebVTTCueBlock

from app.core.errors import FieldProblem, UnsupportedMediaType, ValidationFailed

MAX_CUES = 20_000
MAX_SPEAKER = 200
UNKNOWN_SPEAKER = "Unknown speaker"
# Plain text has no times: a speaking pace of 150 words a minute places the lines in time.
MS_PER_WORD = 400
MIN_PLAIN_MS = 1000

MEDIA_TYPES = {
    "text/vtt": "vtt",
    "application/x-subrip": "srt",
    "application/srt": "srt",
    "text/srt": "srt",
    "text/plain": "plain",
    "application/json": "json",
}

_TIMING = WebVTTCueBlock.CUE_TIMINGS_PATTERN
# "Jane Doe: text" - up to five words of name, no sentence punctuation in it.
_NAME_PREFIX = re.compile(
    r"^(?P<name>[^\W\d][\w.'\u2019\- ]{0,59}?)\s*:\s+(?P<text>\S.*)$", re.DOTALL
)
_PLAIN_TIME = re.compile(
    r"^\[?(?P<time>(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\]?\s+(?P<rest>.*)$"
)


@dataclass(frozen=True, slots=True)
class Cue:
    start_ms: int
    end_ms: int
    speaker: str
    text: str


@dataclass(frozen=True, slots=True)
class ParsedTranscript:
    source_format: str
    timed: bool
    cues: list[Cue]


def malformed(line: int | None, message: str, *, location: str | None = None) -> ValidationFailed:
    """The 422 for a transcript that cannot be read: which line, and what is wrong there."""
    where = location or (f"body.line[{line}]" if line is not None else "body")
    detail = f"Line {line}: {message}" if line is not None else message
    return ValidationFailed(
        f"The transcript cannot be read. {detail}",
        errors=[FieldProblem(where, message, "malformed_transcript")],
        extensions={"line": line} if line is not None else None,
    )


def format_of(media_type: str | None) -> str:
    """The transcript format a media type names (415 for others)."""
    base = (media_type or "").split(";")[0].strip().lower()
    if base not in MEDIA_TYPES:
        raise UnsupportedMediaType(
            "Send a transcript as text/vtt, application/x-subrip, text/plain or application/json.",
            extensions={"accepted": sorted(MEDIA_TYPES)},
        )
    return MEDIA_TYPES[base]


def decode(body: bytes) -> str:
    """UTF-8 text (a byte-order mark is dropped), line endings made `\\n`."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise malformed(body.count(b"\n", 0, exc.start) + 1, "not valid UTF-8 text") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(body: bytes, media_type: str | None) -> ParsedTranscript:
    """Cues from a transcript file of the given media type."""
    kind = format_of(media_type)
    text = decode(body)
    if not text.strip():
        raise malformed(1, "the file is empty")
    cues = {"vtt": _vtt, "srt": _srt, "plain": _plain, "json": _json}[kind](text)
    if not cues:
        raise malformed(None, "the file has no cues")
    if len(cues) > MAX_CUES:
        raise malformed(None, f"more than {MAX_CUES} cues")
    return ParsedTranscript(kind, kind != "plain" or _plain_is_timed(text), cues)


def split_speaker(text: str, previous: str | None) -> tuple[str, str]:
    """(speaker, words) from a `Name: words` cue; without a prefix the previous speaker."""
    match = _NAME_PREFIX.match(text)
    if match and len(match.group("name").split()) <= 5:
        return match.group("name").strip()[:MAX_SPEAKER], match.group("text").strip()
    return previous or UNKNOWN_SPEAKER, text.strip()


def _ms(stamp: str) -> int:
    head, _, fraction = stamp.replace(",", ".").partition(".")
    parts = head.split(":")
    seconds = (
        int(parts[-1]) + int(parts[-2]) * 60 + (int(parts[-3]) * 3600 if len(parts) > 2 else 0)
    )
    return seconds * 1000 + (int(fraction.ljust(3, "0")[:3]) if fraction else 0)


def _vtt_blocks(lines: list[str]) -> list[int]:
    """Check the cue structure line by line (webvtt-py skips what it cannot read; a 422 must
    say where); the line number of each cue's timing line, in order."""
    if not lines[0].startswith("WEBVTT"):
        raise malformed(1, "a WebVTT file starts with WEBVTT")
    timings: list[int] = []
    number = 0  # the first block is the header (WEBVTT and its metadata lines)
    while number < len(lines):
        while number < len(lines) and not lines[number].strip():
            number += 1
        block_start = number
        while number < len(lines) and lines[number].strip():
            number += 1
        block = lines[block_start:number]
        if not block or block_start == 0 or block[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        at = next((i for i, line in enumerate(block[:2]) if "-->" in line), None)
        if at is None:
            # The timing line is the cue's first, or its second after an identifier.
            where = block_start + min(len(block), 2)
            raise malformed(
                where,
                f"expected a cue timing such as 00:01.000 --> 00:04.000, "
                f"found {lines[where - 1].strip()[:80]!r}",
            )
        line_no = block_start + at + 1
        match = _TIMING.match(block[at])
        if match is None:
            raise malformed(line_no, f"not a cue timing: {block[at].strip()[:80]!r}")
        if _ms(match.group(2)) < _ms(match.group(1)):
            raise malformed(line_no, "the cue ends before it starts")
        timings.append(line_no)
    return timings


def _vtt(text: str) -> list[Cue]:
    lines = text.split("\n")
    timing_lines = _vtt_blocks(lines)
    try:
        captions = webvtt.from_string(text).captions
    except (webvtt.errors.MalformedFileError, webvtt.errors.MalformedCaptionError) as exc:
        raise malformed(None, str(exc) or "not a valid WebVTT file") from exc
    if len(captions) != len(timing_lines):
        raise malformed(None, "the cues cannot be told apart; check the blank lines between them")
    cues: list[Cue] = []
    previous: str | None = None
    for caption in captions:
        words = " ".join(part.strip() for part in caption.text.split("\n") if part.strip())
        if caption.voice:
            speaker = caption.voice.strip()[:MAX_SPEAKER]
        else:
            speaker, words = split_speaker(words, previous)
        previous = speaker
        if words:
            cues.append(Cue(_ms(caption.start), _ms(caption.end), speaker, words))
    return cues


def _srt(text: str) -> list[Cue]:
    cues: list[Cue] = []
    previous: str | None = None
    try:
        for subtitle in srt.parse(text):
            start = round(subtitle.start.total_seconds() * 1000)
            end = round(subtitle.end.total_seconds() * 1000)
            if "-->" in subtitle.content:  # a broken block swallowed by the one before
                stray = next(p for p in subtitle.content.split("\n") if "-->" in p)
                raise malformed(
                    text.count("\n", 0, text.index(stray)) + 1,
                    "a timing line inside a subtitle: is the number line above it missing?",
                )
            words = " ".join(p.strip() for p in subtitle.content.split("\n") if p.strip())
            speaker, words = split_speaker(re.sub(r"<[^>]+>", "", words), previous)
            previous = speaker
            if end < start:
                raise malformed(None, f"subtitle {subtitle.index} ends before it starts")
            if words:
                cues.append(Cue(start, end, speaker, words))
    except srt.SRTParseError as exc:
        line = text.count("\n", 0, exc.expected_start) + 1
        raise malformed(line, "not an SRT subtitle block (number, timing line, text)") from exc
    except srt.TimestampParseError as exc:
        raise malformed(None, f"not an SRT timestamp: {exc}") from exc
    return cues


def _plain_is_timed(text: str) -> bool:
    first = next(line for line in text.split("\n") if line.strip())
    return bool(_PLAIN_TIME.match(first.strip()))


def _plain(text: str) -> list[Cue]:
    """`Speaker: text` lines, optionally `[00:01:02] Speaker: text`; other lines continue the
    line before."""
    timed = _plain_is_timed(text)
    rows: list[tuple[int | None, str, str]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        start: int | None = None
        if timed:
            stamped = _PLAIN_TIME.match(line)
            if stamped is None:
                raise malformed(number, "expected `[hh:mm:ss] Speaker: text` like the lines before")
            start, line = _ms(stamped.group("time")), stamped.group("rest")
        match = _NAME_PREFIX.match(line)
        if match and len(match.group("name").split()) <= 5:
            rows.append((start, match.group("name").strip()[:MAX_SPEAKER], match.group("text")))
        elif rows and start is None:
            rows[-1] = (rows[-1][0], rows[-1][1], f"{rows[-1][2]} {line}")
        else:
            raise malformed(number, "expected `Speaker: text`")
    cues: list[Cue] = []
    clock = 0
    for i, (start, speaker, words) in enumerate(rows):
        length = max(len(words.split()) * MS_PER_WORD, MIN_PLAIN_MS)
        begin = start if start is not None else clock
        if timed:
            following = rows[i + 1][0] if i + 1 < len(rows) else None
            end = following if following is not None and following >= begin else begin + length
        else:
            end = begin + length
        cues.append(Cue(begin, end, speaker, words.strip()))
        clock = end
    return cues


class _Segment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    start: float = Field(ge=0, description="seconds")
    end: float = Field(ge=0)
    speaker: str = Field(min_length=1, max_length=MAX_SPEAKER)
    text: str = Field(max_length=10_000)


_SEGMENTS = TypeAdapter(list[_Segment])


def _json(text: str) -> list[Cue]:
    try:
        value: Any = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise malformed(exc.lineno, f"not valid JSON: {exc.msg}") from exc
    if isinstance(value, dict):
        value = value.get("segments")
    if not isinstance(value, list):
        raise malformed(None, 'expected a list of segments or {"segments": [...]}')
    try:
        segments = _SEGMENTS.validate_python(value)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
        raise malformed(
            None, f"segments{path}: {first['msg']}", location=f"body.segments{path}"
        ) from exc
    cues = []
    for i, segment in enumerate(segments):
        if segment.end < segment.start:
            raise malformed(
                None, f"segments[{i}] ends before it starts", location=f"body.segments[{i}].end"
            )
        if segment.text.strip():
            cues.append(
                Cue(
                    round(segment.start * 1000),
                    round(segment.end * 1000),
                    segment.speaker.strip(),
                    " ".join(segment.text.split()),
                )
            )
    return cues
