"""Transcript and recording benchmarks.

    .venv/bin/python -m bench.transcripts engines   # coverage detection, lexical vs semantic
    .venv/bin/python -m bench.transcripts analyse   # a 60-minute (~900-cue) transcript
    .venv/bin/python -m bench.transcripts upload    # a 200 MB recording: server peak RSS

`engines` compares what each engine finds on the three demo transcripts with what the demo's
author knows was asked. `analyse` times parsing and analysing (and, through the API on SQLite,
the whole import) of a generated 60-minute transcript. `upload` starts `tandem serve` on port
18091 with the demo data and streams a 200 MB file to it, reading the server's peak RSS from
/proc before and after. The semantic parts need the `ai` extra.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.demo.questions import LIBRARY, QUESTIONS
from app.demo.transcripts import FILES, demo_file
from app.services.transcripts import analysis
from app.services.transcripts.matching import matcher_for, semantic_available
from app.services.transcripts.parsing import parse
from app.services.transcripts.segments import Segment

PYTHON = sys.executable
PORT = 18091
LEAD, CANDIDATE = "Iris Interviewer", "Casey Candidate"

# What the author of each demo transcript asked, per competency of the technical stage (any of
# its planned questions, in the plan's words or the interviewer's own).
TRUTH = {
    "good_interview.vtt": {"System design": True, "Code quality": True},
    "low_coverage.vtt": {"System design": False, "Code quality": False},
    "prohibited_question.vtt": {"System design": True, "Code quality": True},
}


def technical_stage() -> dict[str, Any]:
    """The demo engineering plan's technical stage, as stored."""
    competencies: list[dict[str, Any]] = [
        {
            "id": name,
            "name": name,
            "description": LIBRARY[name].description,
            "rubric": dict(LIBRARY[name].rubric),
        }
        for name in ("System design", "Code quality")
    ]
    questions = [
        {
            "id": f"q-{c['name']}-{i}",
            "text": question.text,
            "competency_id": c["id"],
            "what_good_looks_like": question.good,
        }
        for c in competencies
        for i, question in enumerate(QUESTIONS[c["name"]])
    ]
    return {"id": "technical", "competencies": competencies, "questions": questions}


def segments_of(text: str) -> tuple[list[Segment], bool]:
    parsed = parse(text.encode(), "text/vtt")
    sides = {LEAD: "interviewer", CANDIDATE: "candidate"}
    out = [
        Segment(i, c.start_ms, c.end_ms, c.speaker, c.text, sides.get(c.speaker, "unknown"), None)
        for i, c in enumerate(parsed.cues)
    ]
    return out, parsed.timed


def demo_text(name: str) -> str:
    return demo_file(name).replace("{lead}", LEAD).replace("{candidate}", CANDIDATE)


def engines() -> dict[str, Any]:
    """Planned-question detection per engine against the known truth."""
    stage = technical_stage()
    names = ["lexical"] + (["semantic"] if semantic_available() else [])
    report: dict[str, Any] = {}
    for engine in names:
        matcher = matcher_for(engine)
        started = time.perf_counter()
        hits = misses = false_alarms = correct = 0
        details = []
        for name in FILES:
            segments, timed = segments_of(demo_text(name))
            result = analysis.analyse(segments, stage, matcher, timed=timed)
            for competency, truth in TRUTH[name].items():
                items = [q for q in result["plan_coverage"] if q["competency_id"] == competency]
                best = max(items, key=lambda q: q["score"])
                found = any(q["asked"] for q in items)
                hits += truth and found
                misses += truth and not found
                false_alarms += (not truth) and found
                correct += truth == found
                details.append([name, competency, truth, found, best["score"], best["quote"]])
        total = sum(len(v) for v in TRUTH.values())
        asked = sum(sum(v.values()) for v in TRUTH.values())
        report[engine] = {
            "recall": round(hits / asked, 3),
            "false_alarms": false_alarms,
            "accuracy": round(correct / total, 3),
            "seconds": round(time.perf_counter() - started, 2),
            "details": details,
        }
    return report


def hour_long_vtt(cues: int = 900) -> str:
    """A 60-minute transcript: the good demo interview's lines over and over, 4 s a cue."""
    source, _ = segments_of(demo_text("good_interview.vtt"))
    out = ["WEBVTT", ""]
    for n in range(cues):
        segment = source[n % len(source)]
        start, end = n * 4000, n * 4000 + 3900
        out += [
            str(n + 1),
            f"{_stamp(start)} --> {_stamp(end)}",
            f"<v {segment.speaker}>{segment.text} (part {n // len(source)})</v>",
            "",
        ]
    return "\n".join(out)


def _stamp(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def analyse_in_process() -> dict[str, Any]:
    """Parse + analyse the hour-long transcript per engine (best of three, model loaded)."""
    text = hour_long_vtt()
    stage = technical_stage()
    report: dict[str, Any] = {"cues": 900, "bytes": len(text.encode())}
    for engine in ["lexical"] + (["semantic"] if semantic_available() else []):
        loading = time.perf_counter()
        matcher = matcher_for(engine)
        report[f"{engine}_load_seconds"] = round(time.perf_counter() - loading, 2)
        timings, cpu = [], []
        for _ in range(3):
            if hasattr(matcher, "_cache"):
                matcher._cache.clear()  # each run encodes everything afresh
            started, started_cpu = time.perf_counter(), time.process_time()
            segments, timed = segments_of(text)
            analysis.analyse(segments, stage, matcher, timed=timed)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        report[f"{engine}_parse_and_analyse_seconds"] = round(min(timings), 3)
        # CPU seconds (all threads): what the work costs when the machine is not shared.
        report[f"{engine}_parse_and_analyse_cpu_seconds"] = round(min(cpu), 3)
    return report


def _serve(data_dir: Path, engine: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, TANDEM_DATA_DIR=str(data_dir), TANDEM_TRANSCRIPT_ENGINE=engine)
    env["TANDEM_ACCESS_LOG"] = "false"
    env["TANDEM_RATE_LIMIT_PER_MINUTE"] = "0"
    command = [PYTHON, "-m", "app.cli", "serve", "--port", str(PORT), "--demo"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _call(method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
    headers = dict(kwargs.pop("headers", {}))
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = kwargs.pop("data", None)
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}", data=data, method=method, headers=headers
    )
    with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 - local server
        return json.loads(response.read() or b"null")


def _wait(process: subprocess.Popen[bytes]) -> str:
    for _ in range(600):
        try:
            form = urllib.parse.urlencode(
                {"username": "admin@tandem.example", "password": "tandem-demo-admin"}
            ).encode()
            answer = _call(
                "POST",
                "/api/v1/auth/token",
                data=form,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            return str(answer["access_token"])
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("tandem serve exited") from None
            time.sleep(0.5)
    raise RuntimeError("tandem serve did not come up")


def _rss(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _held_interview(token: str) -> str:
    page = _call("GET", "/api/v1/interviews?status=completed&limit=200", token)
    return str(page["data"][0]["id"])


def _server_pid(process: subprocess.Popen[bytes]) -> int:
    # `tandem serve` with one worker serves in its own process.
    return process.pid


def import_over_http(engine: str) -> dict[str, Any]:
    """PUT the hour-long transcript to a local server (SQLite, demo data); best of three."""
    text = hour_long_vtt().encode()
    with tempfile.TemporaryDirectory() as folder:
        process = _serve(Path(folder), engine)
        try:
            token = _wait(process)
            interview = _held_interview(token)
            timings = []
            for _ in range(3 if engine == "lexical" else 2):
                started = time.perf_counter()
                _call(
                    "PUT",
                    f"/api/v1/interviews/{interview}/transcript",
                    token,
                    data=text,
                    headers={"Content-Type": "text/vtt"},
                )
                timings.append(time.perf_counter() - started)
            return {f"{engine}_http_import_seconds": [round(t, 3) for t in timings]}
        finally:
            process.terminate()
            process.wait(timeout=30)


def _multipart(size: int, boundary: str) -> Iterator[bytes]:
    """A multipart body with one WAV-looking file of `size` bytes, made on the fly."""
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()
    header = b"RIFF" + (size - 8).to_bytes(4, "little") + b"WAVEfmt "
    header += (16).to_bytes(4, "little") + bytes.fromhex("01000100401f0000803e000002001000")
    header += b"data" + (size - 44).to_bytes(4, "little")
    yield header
    chunk = bytes(1024 * 1024)
    left = size - len(header)
    while left > 0:
        yield chunk[: min(left, len(chunk))]
        left -= len(chunk)
    yield f"\r\n--{boundary}--\r\n".encode()


def upload(size_mb: int = 200) -> dict[str, Any]:
    """Stream a recording of `size_mb` MB to a local server; its RSS before and after."""
    import httpx

    with tempfile.TemporaryDirectory() as folder:
        process = _serve(Path(folder), "lexical")
        try:
            token = _wait(process)
            interview = _held_interview(token)
            consent = {
                "given_by": "Bench Candidate",
                "given_at": "2026-01-01T10:00:00Z",
                "method": "verbal",
                "text_version": "bench",
            }
            _call(
                "POST",
                f"/api/v1/interviews/{interview}/recording-consent",
                token,
                data=json.dumps(consent).encode(),
                headers={"Content-Type": "application/json"},
            )
            pid = _server_pid(process)
            before = {"rss_mb": _rss(pid, "VmRSS"), "peak_rss_mb": _rss(pid, "VmHWM")}
            boundary = "benchboundary0123456789"
            started = time.perf_counter()
            response = httpx.post(
                f"http://127.0.0.1:{PORT}/api/v1/interviews/{interview}/recording",
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                },
                content=_multipart(size_mb * 1024 * 1024, boundary),
                timeout=600,
            )
            elapsed = time.perf_counter() - started
            after = {"rss_mb": _rss(pid, "VmRSS"), "peak_rss_mb": _rss(pid, "VmHWM")}
            return {
                "status": response.status_code,
                "size_mb": size_mb,
                "seconds": round(elapsed, 2),
                "mb_per_second": round(size_mb / elapsed, 1),
                "before": before,
                "after": after,
            }
        finally:
            process.terminate()
            process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["engines", "analyse", "upload", "all"])
    parser.add_argument("--size-mb", type=int, default=200)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if args.what in ("engines", "all"):
        results["engines"] = engines()
    if args.what in ("analyse", "all"):
        results["analyse"] = analyse_in_process()
        results["analyse"].update(import_over_http("lexical"))
        if semantic_available():
            results["analyse"].update(import_over_http("semantic"))
    if args.what in ("upload", "all"):
        results["upload"] = upload(args.size_mb)
    print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
