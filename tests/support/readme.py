"""Run the README's shell blocks, in order and in one shell, against a live server, and check
the expected output the README shows after them.

- A fenced block in `sh` or `bash` runs, unless the line before its fence is
  `<!-- readme: skip -->` (blocks that need Docker, PostgreSQL or a second server).
- A `text` block that directly follows a run block is that block's expected standard output:
  each line must match in full, where `…` inside a line stands for any text and a line that
  is only `…` for any number of lines.
- The shell runs with `set -euo pipefail`, so an unset variable or a failed call stops it.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

SKIP_MARKER = "<!-- readme: skip -->"
RUN_LANGUAGES = {"sh", "bash"}
MARKER = "@@readme-block-{}@@"
DOCUMENTED_ORIGINS = ("http://127.0.0.1:8000", "http://localhost:8000", "localhost:8000")


@dataclass
class Block:
    line: int  # where its fence is in the README (1-based)
    language: str
    code: str
    skip: bool
    expected: str | None = None


def parse(markdown: str) -> list[Block]:
    """Every fenced block, with `text` blocks attached to the run block just before them."""
    blocks: list[Block] = []
    lines = markdown.splitlines()
    index = 0
    previous_was_fence = False
    while index < len(lines):
        stripped = lines[index].strip()
        if not stripped.startswith("```"):
            if stripped:
                previous_was_fence = False
            index += 1
            continue
        language = stripped[3:].strip().split(" ")[0]
        start = index
        body: list[str] = []
        index += 1
        while index < len(lines) and lines[index].strip() != "```":
            body.append(lines[index])
            index += 1
        index += 1
        code = "\n".join(body)
        before = lines[start - 1].strip() if start else ""
        last = blocks[-1] if blocks else None
        if language == "text" and previous_was_fence and last and last.language in RUN_LANGUAGES:
            last.expected = code
        else:
            blocks.append(Block(start + 1, language, code, skip=before == SKIP_MARKER))
        previous_was_fence = True
    return blocks


def runnable(blocks: list[Block]) -> list[Block]:
    return [b for b in blocks if b.language in RUN_LANGUAGES and not b.skip]


def line_matches(pattern: str, actual: str) -> bool:
    regex = ".*".join(re.escape(part) for part in pattern.split("…"))
    return re.fullmatch(regex, actual) is not None


def output_matches(expected: list[str], actual: list[str]) -> bool:
    """Whether `actual` lines match `expected` patterns (a lone `…` spans lines)."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() == "…":
        return any(output_matches(rest, actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and line_matches(head, actual[0]) and output_matches(rest, actual[1:])


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[int, str]  # block line -> its standard output

    def failed_block(self, blocks: list[Block]) -> Block | None:
        """The block that was running when the shell stopped (None if it finished)."""
        if self.returncode == 0:
            return None
        ran = [b for b in blocks if b.line in self.outputs]
        return ran[-1] if ran else None


def script(blocks: list[Block], base_url: str) -> str:
    """One bash script of the blocks, each announced by a marker line on standard output."""
    host = base_url.removeprefix("http://")
    parts = ["set -euo pipefail"]
    for block in blocks:
        code = block.code
        for origin in DOCUMENTED_ORIGINS:
            code = code.replace(origin, base_url if origin.startswith("http") else host)
        parts.append(f"printf '%s\\n' '{MARKER.format(block.line)}'")
        parts.append(code)
    return "\n".join(parts) + "\n"


def run(blocks: list[Block], base_url: str, cwd: Path, timeout: float = 300) -> Outcome:
    """Run the blocks in one bash process; standard output split per block."""
    done = subprocess.run(
        ["bash", "-c", script(blocks, base_url)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    outputs: dict[int, str] = {}
    current: int | None = None
    chunk: list[str] = []
    for line in done.stdout.splitlines():
        found = re.fullmatch(r"@@readme-block-(\d+)@@", line)
        if found:
            if current is not None:
                outputs[current] = "\n".join(chunk)
            current, chunk = int(found.group(1)), []
        else:
            chunk.append(line)
    if current is not None:
        outputs[current] = "\n".join(chunk)
    return Outcome(done.returncode, done.stdout, done.stderr, outputs)


def mismatches(blocks: list[Block], outcome: Outcome) -> list[str]:
    """A message for every block whose output differs from what the README shows."""
    problems = []
    for block in blocks:
        if block.expected is None or block.line not in outcome.outputs:
            continue
        expected = block.expected.splitlines()
        actual = outcome.outputs[block.line].splitlines()
        if not output_matches(expected, actual):
            problems.append(
                f"README line {block.line}: the output differs from the README.\n"
                f"--- README shows\n{block.expected}\n--- the block printed\n"
                f"{outcome.outputs[block.line]}"
            )
    return problems
