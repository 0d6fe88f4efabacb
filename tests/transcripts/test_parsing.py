"""Transcript files as real tools export them: WebVTT from Zoom (numbered cues, `Name:`
prefixes), Microsoft Teams (voice tags, cue ids, CRLF, BOM), Google Meet (missing hours,
multi-line cues), SRT, plain `Speaker: text` lines and JSON segments; malformed files are a 422
that names the line."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from app.platform.runtime import Runtime
from tests.support.harness import MakeUser
from tests.support.intakes import act
from tests.support.transcripts import held_interview, put_transcript

ZOOM = """WEBVTT

1
00:00:01.120 --> 00:00:04.560
Jane Doe: Thanks for joining today, Ada.

2
00:00:05.000 --> 00:00:09.310
Ada Lovelace: Happy to be here.

3
00:00:09.310 --> 00:00:12.000
Ada Lovelace: Shall we start?
"""

TEAMS = (
    "\ufeffWEBVTT\r\n\r\n"
    "b2d6c1a4-21f3-4f0e-9a0a-6a4b2b6c9d11/17-0\r\n"
    "00:00:01.000 --> 00:00:03.500\r\n"
    "<v Jane Doe>Good morning.</v>\r\n\r\n"
    "b2d6c1a4-21f3-4f0e-9a0a-6a4b2b6c9d11/18-0\r\n"
    "00:00:03.500 --> 00:00:08.000\r\n"
    "<v Ada Lovelace>Good morning! I'm glad\r\nwe could make it work.</v>\r\n"
)

MEET = """WEBVTT
Kind: captions
Language: en

NOTE Recorded with Google Meet

00:01.000 --> 00:04.000
Sam Lee: Could you walk me through
your last project?

00:04.500 --> 01:02:03.250
Ada Lovelace: Sure. It was a payments ledger.
"""

SRT = """1
00:00:01,000 --> 00:00:03,000
Jane Doe: First question.

2
00:00:03,500 --> 00:00:06,000
Ada Lovelace: First answer,
on two lines.
"""

PLAIN = """Jane Doe: Tell me about yourself.
Ada Lovelace: I build payment systems.
I have done so for ten years.
Jane Doe: Great.
"""

SEGMENTS = {
    "segments": [
        {"start": 0, "end": 2.5, "speaker": "Jane Doe", "text": "Hello."},
        {"start": 2.5, "end": 6, "speaker": "Ada Lovelace", "text": "Hi  there."},
    ]
}


def cues(body: dict[str, Any]) -> list[tuple[float, float, str, str]]:
    return [(s["start"], s["end"], s["speaker"], s["text"]) for s in body["segments"]]


@pytest.mark.parametrize(
    ("content", "media_type", "expected"),
    [
        (
            ZOOM,
            "text/vtt",
            [
                (1.12, 4.56, "Jane Doe", "Thanks for joining today, Ada."),
                (5.0, 9.31, "Ada Lovelace", "Happy to be here."),
                (9.31, 12.0, "Ada Lovelace", "Shall we start?"),
            ],
        ),
        (
            TEAMS,
            "text/vtt; charset=utf-8",
            [
                (1.0, 3.5, "Jane Doe", "Good morning."),
                (3.5, 8.0, "Ada Lovelace", "Good morning! I'm glad we could make it work."),
            ],
        ),
        (
            MEET,
            "text/vtt",
            [
                (1.0, 4.0, "Sam Lee", "Could you walk me through your last project?"),
                (4.5, 3723.25, "Ada Lovelace", "Sure. It was a payments ledger."),
            ],
        ),
        (
            SRT,
            "application/x-subrip",
            [
                (1.0, 3.0, "Jane Doe", "First question."),
                (3.5, 6.0, "Ada Lovelace", "First answer, on two lines."),
            ],
        ),
        (
            orjson.dumps(SEGMENTS).decode(),
            "application/json",
            [(0.0, 2.5, "Jane Doe", "Hello."), (2.5, 6.0, "Ada Lovelace", "Hi there.")],
        ),
    ],
    ids=["zoom", "teams", "meet", "srt", "json"],
)
async def test_formats_and_their_quirks(
    client, make_user: MakeUser, runtime: Runtime, content, media_type, expected
):
    held = await held_interview(client, make_user, runtime)
    response = await put_transcript(client, held.setting.recruiter, held, content, media_type)
    assert response.status_code == 201, response.text
    assert cues(response.json()) == expected
    assert response.json()["timed"] is True


async def test_plain_text_is_placed_in_time_by_word_count(client, make_user, runtime):
    held = await held_interview(client, make_user, runtime)
    response = await put_transcript(client, held.setting.recruiter, held, PLAIN, "text/plain")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["timed"] is False
    assert [(s["speaker"], s["text"]) for s in body["segments"]] == [
        ("Jane Doe", "Tell me about yourself."),
        ("Ada Lovelace", "I build payment systems. I have done so for ten years."),
        ("Jane Doe", "Great."),
    ]
    # 150 words a minute: 4 words 1.6 s; 11 words 4.4 s; at least a second each.
    assert [(s["start"], s["end"]) for s in body["segments"]] == [
        (0.0, 1.6),
        (1.6, 6.0),
        (6.0, 7.0),
    ]
    analysis = await act(client, held.setting.lead, "GET", f"{held.url}/transcript/analysis")
    assert analysis.json()["interruptions"]["available"] is False


@pytest.mark.parametrize(
    ("content", "media_type", "line"),
    [
        (
            "WEBVTT\n\n00:01.000 --> 00:02.000\nA: hi\n\n2\n00:03.000 -> 00:04.000\nB: x\n",
            "text/vtt",
            7,
        ),
        (
            "WEBVTT\n\n00:01.000 --> 00:02.000\nA: hi\n\n00:05.000 --> 00:03.000\nB: x\n",
            "text/vtt",
            6,
        ),
        ("Hello\n\n00:01.000 --> 00:02.000\nA: hi\n", "text/vtt", 1),
        ("WEBVTT\n\n00:01.000 --> 00:02.000\nA: hi\n\nstray words\n", "text/vtt", 6),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nA: hi\n\n2\n00:00:03,000 -> 00:00:04,000\nB: x\n",
            "application/x-subrip",
            5,
        ),
        ("just words, no speaker\nA: hi\n", "text/plain", 1),
        ("[00:00:01] A: hi\nB: no time here\n", "text/plain", 2),
        (
            '[\n{"start": 0, "end": 1, "speaker": "A", "text": "x"},\n{"start": 1,, }\n]',
            "application/json",
            3,
        ),
    ],
    ids=[
        "vtt-arrow",
        "vtt-backwards",
        "vtt-header",
        "vtt-stray",
        "srt",
        "plain",
        "plain-time",
        "json",
    ],
)
async def test_malformed_files_are_422_naming_the_line(
    client, make_user, runtime, content, media_type, line
):
    held = await held_interview(client, make_user, runtime)
    response = await put_transcript(client, held.setting.recruiter, held, content, media_type)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["line"] == line
    assert problem["detail"].startswith(f"The transcript cannot be read. Line {line}:")
    assert (
        await act(client, held.setting.recruiter, "GET", f"{held.url}/transcript")
    ).status_code == 404


@pytest.mark.parametrize(
    ("content", "location"),
    [
        ({"segments": [{"start": 0, "end": 1, "speaker": "A"}]}, "body.segments[0].text"),
        ([{"start": 5, "end": 1, "speaker": "A", "text": "x"}], "body.segments[0].end"),
        ({"items": []}, "body"),
    ],
)
async def test_bad_json_segments_name_the_segment(client, make_user, runtime, content, location):
    held = await held_interview(client, make_user, runtime)
    response = await put_transcript(
        client, held.setting.recruiter, held, orjson.dumps(content), "application/json"
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["location"] == location


async def test_other_media_types_and_undecodable_bytes(client, make_user, runtime):
    held = await held_interview(client, make_user, runtime)
    wrong = await put_transcript(client, held.setting.recruiter, held, ZOOM, "application/pdf")
    assert wrong.status_code == 415
    latin = await put_transcript(
        client, held.setting.recruiter, held, b"WEBVTT\n\n00:01.000 --> 00:02.000\nA: caf\xe9\n"
    )
    assert latin.status_code == 422
    assert latin.json()["line"] == 4
    empty = await put_transcript(client, held.setting.recruiter, held, b"")
    assert empty.status_code == 422


async def test_transcripts_over_the_limit_are_413(make_app, client, make_user, runtime):
    from tests.support.harness import asgi_client

    held = await held_interview(client, make_user, runtime)
    small = await make_app(transcript_max_bytes=2048)
    big = "WEBVTT\n\n" + "".join(
        f"{n // 60:02d}:{n % 60:02d}.000 --> {n // 60:02d}:{n % 60:02d}.500\nA: words\n\n"
        for n in range(200)
    )
    async with asgi_client(small) as http:
        response = await put_transcript(http, held.setting.recruiter, held, big)
    assert response.status_code == 413
