"""The README works when pasted: its shell blocks run, in order and in one shell, against a
live server on SQLite with the demo data, print what the README says they print, set every
variable they use, and write nothing into the clone."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import readme
from tests.support.live_server import ROOT, live_server

README = ROOT / "README.md"


def test_the_parser_finds_runs_skips_and_expected_output():
    text = "\n".join(
        [
            "```sh",
            "echo one",
            "```",
            "",
            "```text",
            "o…",
            "```",
            "<!-- readme: skip -->",
            "```sh",
            "docker compose up",
            "```",
            "```",
            "plain",
            "```",
            "```bash",
            "echo two",
            "```",
            "Prose in between.",
            "```text",
            "not expected output: prose came between",
            "```",
        ]
    )
    blocks = readme.parse(text)
    assert [(b.language, b.skip, b.expected) for b in blocks] == [
        ("sh", False, "o…"),
        ("sh", True, None),
        ("", False, None),
        ("bash", False, None),
        ("text", False, None),
    ]
    assert [b.code for b in readme.runnable(blocks)] == ["echo one", "echo two"]


@pytest.mark.parametrize(
    ("expected", "actual", "matches"),
    [
        (["a", "b"], ["a", "b"], True),
        (["a", "b"], ["a", "b", "c"], False),
        (["id: …", "done"], ["id: 0190-…-x", "done"], True),
        (["…", "done"], ["x", "y", "done"], True),
        (["start", "…"], ["start"], True),
        (["a.c"], ["abc"], False),  # only … is a wildcard
    ],
)
def test_expected_output_matching(expected, actual, matches):
    assert readme.output_matches(expected, actual) is matches


def _changed_files() -> set[str]:
    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(done.stdout.splitlines())


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's examples use curl")
def test_the_readme_blocks_run_against_a_live_server(tmp_path: Path):
    blocks = readme.parse(README.read_text())
    runnable = readme.runnable(blocks)
    assert len(runnable) >= 10
    assert any(b.expected for b in runnable)
    tracked = shutil.which("git") is not None and (ROOT / ".git").exists()
    before = _changed_files() if tracked else set()
    with live_server(tmp_path, demo=True) as server:
        outcome = readme.run(runnable, server.base_url, cwd=ROOT)
        startup = server.output
    failed = outcome.failed_block(runnable)
    assert failed is None, (
        f"README block at line {failed.line if failed else '?'} failed "
        f"(exit {outcome.returncode}):\n{outcome.stderr[-3000:]}"
    )
    assert not readme.mismatches(runnable, outcome), "\n\n".join(
        readme.mismatches(runnable, outcome)
    )
    # The server printed the logins the README promises.
    assert "admin@tandem.example" in startup
    assert "api key         tnd_" in startup
    if tracked:
        assert _changed_files() == before, "the README's blocks wrote into the clone"
